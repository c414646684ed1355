package cloud.agora.protocol.auth;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks Sign-In with Ethereum challenges; a signed challenge is exchanged for a token once.
 *
 * <p>The nonce is 128 random bits (from {@link SecureRandom}) followed by an HMAC-SHA256 tag over them, the domain,
 * URI, chain, address, issue time and expiry under the service's secret, both in lower-case hex (64 characters, so
 * EIP-4361's "at least 8 alphanumeric characters"). Every challenge is therefore new, even two for one address in the
 * same second, and any replica holding the secret checks that it wrote a message without remembering anything between
 * the challenge and the token request ({@link #verify}). Exchanging a message for a token ({@link #redeem}) also
 * consumes its nonce in a {@link UsedNonces} store shared by everyone who may be sent the message, so the same signed
 * message gives one token: one that leaked (a log, a proxy, a shared terminal) cannot be turned into more.
 */
public final class SignInChallenges {

    private static final String STATEMENT = "Sign in to Agora.";
    /** Names the nonce's layout in its HMAC input, so a nonce of another layout never verifies. */
    private static final String NONCE_TAG = "agora.siwe-nonce.v2";
    private static final int RANDOM_BYTES = 16;
    private static final int TAG_BYTES = 16;
    private static final Pattern NONCE = Pattern.compile("[0-9a-f]{" + 2 * (RANDOM_BYTES + TAG_BYTES) + "}");
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] secret;
    private final String domain;
    private final String uri;
    private final long chainId;
    private final Duration validity;
    private final SecureRandom random = new SecureRandom();

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

    /** A fresh message for {@code address} to sign: its nonce is new each time. */
    public SiweMessage challenge(Address address, Instant now) {
        Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
        Instant expires = issuedAt.plus(validity);
        byte[] fresh = new byte[RANDOM_BYTES];
        random.nextBytes(fresh);
        String randomPart = HEX.formatHex(fresh);
        return new SiweMessage(domain, address, STATEMENT, uri, "1", chainId,
                randomPart + HEX.formatHex(tag(address, issuedAt, expires, randomPart)), issuedAt, expires, null, null,
                List.of());
    }

    /**
     * Checks a signed challenge and returns the signer, without consuming it: any replica holding the secret can do
     * this, and the same message checks again. To issue a token, {@link #redeem} it instead.
     *
     * @throws InvalidSiweMessageException when the text is not an EIP-4361 message
     * @throws SignInRejectedException     when the message is not one this service issued and
     *                                     still accepts, or the signature is not the address's
     */
    public Address verify(String messageText, String signature, Instant now) {
        return checked(messageText, signature, now).address();
    }

    /**
     * Checks a signed challenge as {@link #verify} does and consumes its nonce in {@code used}: the message, or any
     * other with its nonce, is refused from then on.
     *
     * @return the signer, to be given a token
     * @throws InvalidSiweMessageException when the text is not an EIP-4361 message
     * @throws SignInRejectedException     as {@link #verify}, and when the nonce was used before
     */
    public Address redeem(String messageText, String signature, Instant now, UsedNonces used) {
        SiweMessage message = checked(messageText, signature, now);
        if (!used.firstUse(message.nonce(), message.expirationTime())) {
            throw new SignInRejectedException("this sign-in message was already exchanged for a token;"
                    + " ask for a new challenge");
        }
        return message.address();
    }

    private SiweMessage checked(String messageText, String signature, Instant now) {
        SiweMessage message = SiweMessage.parse(messageText);
        if (!domain.equals(message.domain()) || !uri.equals(message.uri())) {
            throw new SignInRejectedException("the message is for another service: " + message.domain());
        }
        if (message.chainId() != chainId) {
            throw new SignInRejectedException("the message is for chain " + message.chainId() + ", this service is on " + chainId);
        }
        if (message.expirationTime() == null || !issuedHere(message)) {
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
        return message;
    }

    private boolean issuedHere(SiweMessage message) {
        String nonce = message.nonce();
        if (!NONCE.matcher(nonce).matches()) {
            return false;
        }
        String randomPart = nonce.substring(0, 2 * RANDOM_BYTES);
        byte[] expected = tag(message.address(), message.issuedAt(), message.expirationTime(), randomPart);
        return MessageDigest.isEqual(expected, HEX.parseHex(nonce, 2 * RANDOM_BYTES, nonce.length()));
    }

    private byte[] tag(Address address, Instant issuedAt, Instant expires, String randomPart) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String input = String.join("|", NONCE_TAG, domain, uri, Long.toString(chainId), address.value(),
                    issuedAt.toString(), expires.toString(), randomPart);
            return Arrays.copyOf(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)), TAG_BYTES);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
