package cloud.agora.support.auth;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInChallenges;
import cloud.agora.protocol.auth.SiweMessage;
import cloud.agora.protocol.auth.UsedNonces;
import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * Signs callers in with Ethereum (EIP-4361 challenge, personal-sign answer) and checks the
 * access tokens it issues. Any replica sharing the secret can do either step: a challenge is checked
 * without state. A signed challenge gives one token: its nonce is consumed in the service's database
 * ({@link UsedNonceTable}), which every replica shares, and the same message is refused afterwards.
 */
@ApplicationScoped
public class SignInService {

    private static final Logger LOG = Logger.getLogger(SignInService.class);

    private final SignInChallenges challenges;
    private final AccessTokens tokens;
    private final UsedNonces usedNonces;
    private final Clock clock;

    public SignInService(AuthConfig config, UsedNonces usedNonces, Clock clock) {
        byte[] secret = secret(config);
        this.challenges = new SignInChallenges(secret, config.domain(), config.uri(), config.chainId(),
                config.challengeLifetime());
        this.tokens = new AccessTokens(secret, config.tokenLifetime());
        this.usedNonces = usedNonces;
        this.clock = clock;
    }

    /** A sign-in message for {@code address} to sign with {@code personal_sign}, with a fresh nonce. */
    public SiweMessage challenge(Address address) {
        return challenges.challenge(address, clock.instant());
    }

    /**
     * Checks a signed challenge, consumes its nonce and issues a token for its signer.
     *
     * @throws cloud.agora.protocol.auth.InvalidSiweMessageException when the text is not an EIP-4361 message
     * @throws cloud.agora.protocol.auth.SignInRejectedException     when the message is not this platform's, expired,
     *                                                               signed by another key, or already exchanged
     */
    public AccessTokens.IssuedToken signIn(String message, String signature) {
        Address signer = challenges.redeem(message, signature, clock.instant(), usedNonces);
        return tokens.issue(signer, clock.instant());
    }

    /**
     * A token for {@code subject} without a signed challenge, for a service of this platform that must act
     * for one of its users when the user is not there (functions re-bidding for a developer whose replica
     * was lost). Any service holding the platform's shared secret can do this; routing it through here
     * keeps those places few and visible.
     */
    public AccessTokens.IssuedToken issueOnBehalfOf(Address subject) {
        return tokens.issue(subject, clock.instant());
    }

    /** The address a token was issued to; throws {@code InvalidTokenException} otherwise. */
    public Address authenticate(String token) {
        return tokens.verify(token, clock.instant());
    }

    private static byte[] secret(AuthConfig config) {
        if (config.secret().isPresent()) {
            return require(config.secret().get().getBytes(StandardCharsets.UTF_8));
        }
        if (config.secretFile().isPresent()) {
            try {
                return require(Files.readString(config.secretFile().get()).strip().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read agora.auth.secret-file", e);
            }
        }
        LOG.warn("no agora.auth.secret configured: using a random one; tokens are accepted by this process only");
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return random;
    }

    private static byte[] require(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalStateException("agora.auth.secret must be at least 32 bytes");
        }
        return secret;
    }
}
