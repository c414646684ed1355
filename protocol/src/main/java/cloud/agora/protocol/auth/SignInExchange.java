package cloud.agora.protocol.auth;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;

/**
 * The bodies of Sign-In with Ethereum as every Agora service and every provider agent take and give them:
 * {@code POST /api/v1/auth/challenge} {@link ChallengeRequest} → {@link Challenge};
 * {@code POST /api/v1/auth/token} {@link TokenRequest} → {@link AccessTokens.IssuedToken}.
 */
public final class SignInExchange {

    private SignInExchange() {
    }

    /** {@code {"address": "0x…"}}: who signs in. */
    public record ChallengeRequest(Address address) {
    }

    /** The EIP-4361 message to sign with {@code personal_sign} and until when it may be answered. */
    public record Challenge(String message, Instant expiresAt) {
    }

    /** The signed message and its signature (0x r‖s‖v). */
    public record TokenRequest(String message, String signature) {
    }
}
