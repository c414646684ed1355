package cloud.agora.protocol.auth;

import cloud.agora.protocol.eth.Address;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.spec.SecretKeySpec;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.lang.JoseException;

/**
 * Short-lived access tokens (JWT, HS256) whose subject is the signed-in address.
 *
 * <p>Every service of one platform shares the signing secret, so a token from any service's
 * sign-in is accepted by all of them. The issuer and audience are fixed to "agora".
 */
public final class AccessTokens {

    /** The {@code iss} and {@code aud} of every platform token. */
    public static final String ISSUER = "agora";

    private final SecretKeySpec key;
    private final Duration lifetime;

    public AccessTokens(byte[] secret, Duration lifetime) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the token secret must be at least 32 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.lifetime = lifetime;
    }

    /** A token naming {@code subject}, valid from {@code now} for the configured lifetime. */
    public IssuedToken issue(Address subject, Instant now) {
        Instant expiresAt = now.plus(lifetime);
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setAudience(ISSUER);
        claims.setSubject(subject.value());
        claims.setIssuedAt(NumericDate.fromMilliseconds(now.toEpochMilli()));
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        claims.setGeneratedJwtId();
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKey(key);
        try {
            return new IssuedToken(jws.getCompactSerialization(), Instant.ofEpochSecond(expiresAt.getEpochSecond()));
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /**
     * Checks a token and returns its subject.
     *
     * @throws InvalidTokenException when the token is malformed, forged, expired or not ours
     */
    public Address verify(String token, Instant now) {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireSubject()
                .setExpectedIssuer(ISSUER)
                .setExpectedAudience(ISSUER)
                .setEvaluationTime(NumericDate.fromMilliseconds(now.toEpochMilli()))
                .setAllowedClockSkewInSeconds(0)
                .setVerificationKey(key)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256)
                .build();
        try {
            JwtClaims claims = consumer.processToClaims(token);
            return Address.parse(claims.getSubject());
        } catch (InvalidJwtException e) {
            throw new InvalidTokenException(e.hasExpired() ? "the token has expired" : "the token is not valid");
        } catch (MalformedClaimException | IllegalArgumentException e) {
            throw new InvalidTokenException("the token names no address");
        }
    }

    /** A token and when it stops being accepted. */
    public record IssuedToken(String token, Instant expiresAt) {
    }
}
