package cloud.agora.protocol.auth;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks Sign-In with Ethereum challenges without storing them.
 *
 * <p>The nonce is an HMAC over the address, issue time and expiry under the service's secret,
 * so any replica holding the secret can check that it wrote the message, and nothing has to
 * be remembered between the challenge and the token request. A challenge is valid until its
 * expiration time; within that window signing it again yields another token for the same
 * signer, which grants nothing the signer did not already prove.
 */
public final class SignInChallenges {

    private static final String STATEMENT = "Sign in to Agora.";

    private final byte[] secret;
    private final String domain;
    private final String uri;
    private final long chainId;
    private final Duration validity;

    /**
     * @param secret   the HMAC key (at least 32 bytes), shared by every replica of the service
     * @param domain   the authority users sign in to (e.g. {@code localhost:8081})
     * @param uri      the URI named in the message
     * @param chainId  the chain the session is bound to
     * @param validity how long a challenge may be answered
     */
    public SignInChallenges(byte[] secret, String domain, String uri, long chainId, Duration validity) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the sign-in secret must be at least 32 bytes");
        }
        this.secret = secret.clone();
        this.domain = domain;
        this.uri = uri;
        this.chainId = chainId;
        this.validity = validity;
    }

    /** A fresh message for {@code address} to sign. */
    public SiweMessage challenge(Address address, Instant now) {
        Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
        Instant expires = issuedAt.plus(validity);
        return new SiweMessage(domain, address, STATEMENT, uri, "1", chainId, nonce(address, issuedAt, expires),
                issuedAt, expires, null, null, List.of());
    }

    /**
     * Checks a signed challenge and returns the signer.
     *
     * @throws InvalidSiweMessageException when the text is not an EIP-4361 message
     * @throws SignInRejectedException     when the message is not one this service issued and
     *                                     still accepts, or the signature is not the address's
     */
    public Address verify(String messageText, String signature, Instant now) {
        SiweMessage message = SiweMessage.parse(messageText);
        if (!domain.equals(message.domain()) || !uri.equals(message.uri())) {
            throw new SignInRejectedException("the message is for another service: " + message.domain());
        }
        if (message.chainId() != chainId) {
            throw new SignInRejectedException("the message is for chain " + message.chainId() + ", this service is on " + chainId);
        }
        if (message.expirationTime() == null
                || !MessageDigest.isEqual(
                        nonce(message.address(), message.issuedAt(), message.expirationTime()).getBytes(StandardCharsets.US_ASCII),
                        message.nonce().getBytes(StandardCharsets.US_ASCII))) {
            throw new SignInRejectedException("this service did not issue the message (unknown nonce)");
        }
        if (!now.isBefore(message.expirationTime())) {
            throw new SignInRejectedException("the challenge expired at " + message.expirationTime());
        }
        if (!message.toText().equals(messageText)) {
            throw new SignInRejectedException("the message is not in the form this service issued");
        }
        Address signer;
        try {
            signer = PersonalSignature.recover(messageText, signature);
        } catch (IllegalArgumentException e) {
            throw new SignInRejectedException("bad signature: " + e.getMessage());
        }
        if (!signer.equals(message.address())) {
            throw new SignInRejectedException("the message was signed by " + signer + ", not by " + message.address());
        }
        return signer;
    }

    private String nonce(Address address, Instant issuedAt, Instant expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String input = String.join("|", domain, uri, Long.toString(chainId), address.value(), issuedAt.toString(),
                    expires.toString());
            byte[] digest = mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
