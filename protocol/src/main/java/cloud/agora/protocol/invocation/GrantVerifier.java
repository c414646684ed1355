package cloud.agora.protocol.invocation;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.SignerKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Checks grants the way an agent must before it serves a gateway: signed by a trusted gateway key, naming this
 * provider and the lease asked for, within their validity (with {@code skew} of clock difference allowed either
 * way). Stateless apart from {@link SignerKeys}' kept public keys, so a check after the first of a gateway's grants
 * is one signature verification (about 0.14 ms on one core). Single use of invocation grants is the caller's:
 * it alone knows which invocations it has run. Thread-safe.
 */
public final class GrantVerifier {

    /** Why a grant is refused: a stable slug and what exactly was wrong. */
    public record Rejection(String reason, String detail) {

        /** No grant was presented. */
        public static final String MISSING = "grant-missing";
        /** Not signed by a trusted gateway key, or the signature is malformed. */
        public static final String FORGED = "grant-forged";
        /** Used after its expiry. */
        public static final String EXPIRED = "grant-expired";
        /** Used before it was issued (beyond the allowed clock skew). */
        public static final String NOT_YET_VALID = "grant-not-yet-valid";
        /** It names another provider. */
        public static final String OTHER_PROVIDER = "grant-other-provider";
        /** It is for another lease, invocation, bundle or timeout than the call it came with. */
        public static final String MISMATCH = "grant-mismatch";
        /** Its invocation already ran, or is running, here. */
        public static final String REPLAYED = "grant-replayed";
    }

    private final Supplier<Set<Address>> trusted;
    private final Duration skew;
    private final SignerKeys keys = new SignerKeys();

    /**
     * @param trusted the gateway keys whose grants count, read at each check (they may be learnt or change)
     * @param skew    the clock difference tolerated between the gateway and this machine
     */
    public GrantVerifier(Supplier<Set<Address>> trusted, Duration skew) {
        this.trusted = trusted;
        this.skew = skew;
    }

    /** The clock difference tolerated. */
    public Duration skew() {
        return skew;
    }

    /** Checks an invocation grant for {@code provider} at {@code now}; the caller matches it against its call. */
    public Optional<Rejection> check(InvocationGrant grant, Address provider, Instant now) {
        if (grant == null) {
            return reject(Rejection.MISSING, "a call needs the gateway's grant");
        }
        Optional<Rejection> signature = signedByTrusted(grant.hash(), grant.signature());
        if (signature.isPresent()) {
            return signature;
        }
        if (!grant.provider().equals(provider)) {
            return reject(Rejection.OTHER_PROVIDER, "the grant is for provider " + grant.provider() + ", not " + provider);
        }
        return window(grant.issuedAt(), grant.expiresAt(), now);
    }

    /** Checks a storage grant for {@code lease} at {@code provider} at {@code now} ({@code lease} null: any lease). */
    public Optional<Rejection> check(StorageGrant grant, Address provider, UUID lease, Instant now) {
        if (grant == null) {
            return reject(Rejection.MISSING, "this needs the storage gateway's grant");
        }
        Optional<Rejection> signature = signedByTrusted(grant.hash(), grant.signature());
        if (signature.isPresent()) {
            return signature;
        }
        if (!grant.provider().equals(provider)) {
            return reject(Rejection.OTHER_PROVIDER, "the grant is for provider " + grant.provider() + ", not " + provider);
        }
        if (lease != null && !grant.leaseId().equals(lease)) {
            return reject(Rejection.MISMATCH, "the grant is for lease " + grant.leaseId() + ", not " + lease);
        }
        return window(grant.issuedAt(), grant.expiresAt(), now);
    }

    private Optional<Rejection> signedByTrusted(byte[] hash, String signature) {
        if (signature == null) {
            return reject(Rejection.FORGED, "the grant is not signed");
        }
        Set<Address> gateways = trusted.get();
        Address signer;
        try {
            signer = keys.signer(hash, signature, gateways);
        } catch (InvalidSignatureException e) {
            return reject(Rejection.FORGED, e.getMessage());
        }
        if (!gateways.contains(signer)) {
            return reject(Rejection.FORGED, "the grant is signed by " + signer + ", not a trusted gateway");
        }
        return Optional.empty();
    }

    private Optional<Rejection> window(Instant issuedAt, Instant expiresAt, Instant now) {
        if (now.isAfter(expiresAt.plus(skew))) {
            return reject(Rejection.EXPIRED, "the grant expired at " + expiresAt);
        }
        if (now.isBefore(issuedAt.minus(skew))) {
            return reject(Rejection.NOT_YET_VALID, "the grant is issued at " + issuedAt + ", later than now");
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(String reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }
}
