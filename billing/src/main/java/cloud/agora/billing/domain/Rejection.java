package cloud.agora.billing.domain;

import java.util.UUID;

/**
 * Why a receipt was not rated; it is kept in the quarantine table with this reason.
 *
 * @param invocationId the receipt's invocation, when it could be read
 * @param reason       a stable slug ({@link Reasons})
 * @param detail       what exactly was wrong, for operators
 */
public record Rejection(UUID invocationId, String reason, String detail) {

    /** The quarantine reasons. */
    public static final class Reasons {
        /** Not a receipt: unreadable JSON, missing or impossible fields. */
        public static final String MALFORMED = "malformed";
        /** The provider's signature is missing, malformed or by another key. */
        public static final String BAD_PROVIDER_SIGNATURE = "bad-provider-signature";
        /** The figures break the memory rule (memoryMibMillis = ceil(peak MiB) × wall ms). */
        public static final String INVALID_USAGE = "invalid-usage";
        /** The gateway counter-signature does not recover, or recovers a key that is not a platform gateway. */
        public static final String BAD_GATEWAY_SIGNATURE = "bad-gateway-signature";
        /** No such lease (yet): the receipt is parked and rated when the lease arrives. */
        public static final String UNKNOWN_LEASE = "unknown-lease";
        /** The lease belongs to another provider than the receipt's signer. */
        public static final String LEASE_PROVIDER_MISMATCH = "lease-provider-mismatch";
        /** The lease is paid by another developer than the receipt names. */
        public static final String LEASE_CONSUMER_MISMATCH = "lease-consumer-mismatch";
        /** The receipt names no gateway grant ({@code ReceiptBounds}). */
        public static final String NO_GRANT = "no-grant";
        /** The receipt's grant is for another invocation, lease, provider or consumer ({@code ReceiptBounds}). */
        public static final String GRANT_MISMATCH = "grant-mismatch";
        /**
         * Its wall time, CPU, peak memory or start lies outside what its grant and its lease allow ({@code ReceiptBounds}),
         * or billing does not know the lease's resources to check them.
         */
        public static final String OUT_OF_BOUNDS = "out-of-bounds";
        /** No copy counter-signed by a trusted gateway arrived within the witness window: charges nothing. */
        public static final String UNWITNESSED = "unwitnessed";
        /** The invocation started, or its grant was issued, after the lease closed. */
        public static final String OUTSIDE_LEASE = "outside-lease";
        /** The same receipt again (an identical copy of one already rated): charges nothing. */
        public static final String REPLAYED = "replayed";
        /** A different receipt under an invocation id already rated: charges nothing. */
        public static final String CONFLICTING_DUPLICATE = "conflicting-duplicate";

        /** Every reason above: the bounded values of the quarantine meter's {@code reason} tag. */
        public static final java.util.List<String> ALL = java.util.List.of(MALFORMED, BAD_PROVIDER_SIGNATURE, INVALID_USAGE,
                BAD_GATEWAY_SIGNATURE, UNKNOWN_LEASE, LEASE_PROVIDER_MISMATCH, LEASE_CONSUMER_MISMATCH, NO_GRANT,
                GRANT_MISMATCH, OUT_OF_BOUNDS, UNWITNESSED, OUTSIDE_LEASE, REPLAYED, CONFLICTING_DUPLICATE);

        private Reasons() {
        }
    }
}
