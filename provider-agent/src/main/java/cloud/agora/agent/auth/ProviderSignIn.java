package cloud.agora.agent.auth;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.InvalidSiweMessageException;
import cloud.agora.protocol.auth.SignInChallenges;
import cloud.agora.protocol.auth.SignInRejectedException;
import cloud.agora.protocol.auth.SiweMessage;
import cloud.agora.protocol.auth.UsedNonces;
import cloud.agora.protocol.eth.Address;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/**
 * Sign-In with Ethereum at the agent, for its own provider only: the endpoints that reveal leases and workloads answer
 * only the key the agent signs receipts with. The same EIP-4361 challenge → {@code personal_sign} → bearer token flow
 * as the platform's services (protocol's {@link SignInChallenges} and {@link AccessTokens}), so
 * {@code agora cli login --key <provider key> --url <agent>} works against it. The secrets are random per process and
 * never the platform's {@code AGORA_AUTH_SECRET}: a provider runs the agent, and a platform secret there would let it
 * issue tokens every service accepts, for any address. A restart invalidates the tokens; signing in again is cheap.
 * Each challenge has a fresh nonce, and a signed challenge gives one token: its nonce is consumed in this process's
 * memory ({@link InMemoryUsedNonces}; the agent is one process, and its challenges die with it), and the same message
 * posted again is refused.
 */
public final class ProviderSignIn {

    private final Address provider;
    private final SignInChallenges challenges;
    private final AccessTokens tokens;
    private final UsedNonces usedNonces;
    private final Clock clock;

    public ProviderSignIn(Address provider, SignInChallenges challenges, AccessTokens tokens, UsedNonces usedNonces,
            Clock clock) {
        this.provider = provider;
        this.challenges = challenges;
        this.tokens = tokens;
        this.usedNonces = usedNonces;
        this.clock = clock;
    }

    /** A fresh random secret of 32 bytes, for this process's challenges or tokens. */
    public static byte[] freshSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    /** Challenges and tokens for {@code provider}, under fresh secrets, each challenge redeemed once in this process. */
    public static ProviderSignIn of(Address provider, String domain, String uri, long chainId, Duration challengeLifetime,
            AccessTokens tokens, Clock clock) {
        return new ProviderSignIn(provider, new SignInChallenges(freshSecret(), domain, uri, chainId, challengeLifetime), tokens,
                new InMemoryUsedNonces(clock), clock);
    }

    /** The only address that may sign in. */
    public Address provider() {
        return provider;
    }

    /**
     * A message for the provider to sign.
     *
     * @throws SignInRefusedException 403 for any other address
     */
    public SiweMessage challenge(Address address) {
        requireProvider(address);
        return challenges.challenge(address, clock.instant());
    }

    /**
     * A token for the provider's signed challenge.
     *
     * @throws SignInRefusedException 400 for a text that is not EIP-4361, 401 for a message this agent did not issue,
     *                                a bad signature or a message already exchanged, 403 when the signer is not the
     *                                provider
     */
    public AccessTokens.IssuedToken signIn(String message, String signature) {
        Address signer;
        try {
            // the signer is the message's address, which the nonce binds: only the provider's challenges are issued
            signer = challenges.redeem(message, signature, clock.instant(), usedNonces);
        } catch (InvalidSiweMessageException e) {
            throw new SignInRefusedException(400, "invalid-sign-in", "The sign-in request is invalid",
                    "not an EIP-4361 message: " + e.getMessage());
        } catch (SignInRejectedException e) {
            throw new SignInRefusedException(401, "sign-in-rejected", "Sign-in rejected", e.getMessage());
        }
        requireProvider(signer);
        return tokens.issue(signer, clock.instant());
    }

    /**
     * The provider, when {@code token} is a valid token of this agent for it.
     *
     * @throws cloud.agora.protocol.auth.InvalidTokenException when the token is malformed, forged, expired or another
     *                                                         process's
     * @throws SignInRefusedException                          403 when it names another address
     */
    public Address authenticate(String token) {
        Address subject = tokens.verify(token, clock.instant());
        requireProvider(subject);
        return subject;
    }

    private void requireProvider(Address address) {
        if (!provider.equals(address)) {
            throw new SignInRefusedException(403, "not-this-provider", "Not this agent's provider",
                    "only provider " + provider + " may sign in here, not " + address);
        }
    }
}
