package cloud.agora.protocol.auth;

import java.time.Instant;

/**
 * The nonces of sign-in messages already exchanged for a token, so that a signed message is accepted once.
 *
 * <p>Checking that a nonce was issued needs no state ({@link SignInChallenges} recomputes its HMAC); consuming it
 * does. Whoever may exchange the same message must share one store, and decide first use atomically in it: a
 * service's replicas share its database, an agent is one process. A nonce need only be kept until its message
 * expires, since an expired message is refused before its nonce is looked at.
 */
public interface UsedNonces {

    /**
     * Records {@code nonce} as used, to be kept at least until {@code expiresAt}.
     *
     * @return true when this is the nonce's first use, false when it was used before (then nothing changes)
     */
    boolean firstUse(String nonce, Instant expiresAt);
}
