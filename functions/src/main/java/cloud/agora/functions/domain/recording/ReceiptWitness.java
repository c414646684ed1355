package cloud.agora.functions.domain.recording;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.invocation.GatewayKey;
import cloud.agora.functions.domain.invocation.GatewaySigner;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Decides whether the gateway witnesses the receipt an agent returned, and signs its witness of many receipts at once
 * with the {@link GatewayKey}. The gateway vouches only for what it saw stay within bounds, so a receipt is witnessed
 * only when
 * <ol>
 *   <li>it is for this invocation and lease, names the lease's provider, follows the memory rule and carries that
 *       provider's valid signature;</li>
 *   <li>its grant is exactly the grant this gateway issued for that attempt (same hash);</li>
 *   <li>{@link ReceiptBounds#check} passes against the lease's CPU and memory (wall within the grant's timeout,
 *       CPU within the quota, memory within the limit, start within the grant's window);</li>
 *   <li>it agrees with what the gateway observed: {@code startedAt ≥ grant.issuedAt − skew},
 *       {@code endedAt ≤ answer received + skew}, {@code wallMillis ≤ observed round trip + 1 s}.</li>
 * </ol>
 * Otherwise {@link #problem} says why (a stable reason slug and the detail); the receipt's hash is then in no witness
 * batch (billing quarantines the agent's own copy as unwitnessed). The witness itself is {@link #sign}: one
 * {@link WitnessBatch} (one signature over the Merkle root of the receipts' hashes) per recording transaction rather
 * than a counter-signature per receipt, its nonce computed ahead ({@link GatewaySigner}). Pure apart from the key.
 */
@ApplicationScoped
public class ReceiptWitness {

    /** A receipt's wall time may exceed the round trip the gateway measured by at most this (clock granularity, metering). */
    public static final Duration WALL_OVER_ROUND_TRIP = Duration.ofSeconds(1);

    /**
     * What the gateway knows of one attempt, for the checks: the grant it sent, the lease's resources, when the
     * answer arrived and how long the round trip took.
     */
    public record Observation(InvocationGrant grant, Resources lease, Instant answeredAt, long roundTripMillis) {
    }

    /**
     * Why a receipt is not witnessed.
     *
     * @param reason a stable slug: {@code receipt-mismatch} (ids or provider), {@code receipt-signature},
     *               {@code grant-not-issued} (not the grant this gateway sent), {@code no-grant}, {@code grant-mismatch},
     *               {@code out-of-bounds} ({@link ReceiptBounds}), {@code not-observed} (disagrees with what the
     *               gateway saw)
     * @param detail what exactly
     */
    public record Refusal(String reason, String detail) {

        @Override
        public String toString() {
            return reason + ": " + detail;
        }
    }

    private final GatewayKey key;
    private final GatewaySigner signer;
    private final Duration skew;

    public ReceiptWitness(GatewayKey key, GatewaySigner signer, FunctionsConfig config) {
        this.key = key;
        this.signer = signer;
        this.skew = config.clockSkew();
    }

    /** The gateway's address. */
    public Address address() {
        return key.address();
    }

    /**
     * Why {@code receipt} cannot be witnessed for the call {@code invocationId} on {@code leaseId} run by
     * {@code provider} as the gateway {@code observed} it, or empty when it can.
     */
    public Optional<Refusal> problem(UsageReceipt receipt, UUID invocationId, UUID leaseId, String provider,
            Observation observed) {
        if (!receipt.invocationId().equals(invocationId)) {
            return refuse("receipt-mismatch", "the receipt is for invocation " + receipt.invocationId() + ", not " + invocationId);
        }
        if (!receipt.leaseId().equals(leaseId)) {
            return refuse("receipt-mismatch", "the receipt is for lease " + receipt.leaseId() + ", not " + leaseId);
        }
        if (!receipt.provider().equals(Address.parse(provider))) {
            return refuse("receipt-mismatch", "the receipt names provider " + receipt.provider() + ", the lease's is " + provider);
        }
        try {
            receipt.verifyProviderSignature();
        } catch (IllegalArgumentException e) {
            return refuse("receipt-signature", e.getMessage());
        }
        InvocationGrant issued = observed.grant();
        if (receipt.grant() == null) {
            return refuse(ReceiptBounds.NO_GRANT, "the receipt names no grant; this gateway issued " + issued.hashHex());
        }
        if (!Arrays.equals(receipt.grant().hash(), issued.hash())) {
            return refuse("grant-not-issued", "the receipt names grant " + receipt.grant().hashHex()
                    + ", not the grant this gateway issued for the call (" + issued.hashHex() + ")");
        }
        Optional<ReceiptBounds.Violation> bounds = ReceiptBounds.check(receipt, observed.lease().cpuMillis(),
                observed.lease().memoryMiB(), skew);
        if (bounds.isPresent()) {
            return refuse(bounds.get().reason(), bounds.get().detail());
        }
        if (receipt.startedAt().isBefore(issued.issuedAt().minus(skew))) {
            return refuse("not-observed", "the receipt starts at " + receipt.startedAt() + ", before the grant was issued at "
                    + issued.issuedAt() + " (± " + skew.toSeconds() + " s)");
        }
        if (receipt.endedAt().isAfter(observed.answeredAt().plus(skew))) {
            return refuse("not-observed", "the receipt ends at " + receipt.endedAt() + ", after the answer arrived at "
                    + observed.answeredAt() + " (± " + skew.toSeconds() + " s)");
        }
        if (receipt.wallMillis() > observed.roundTripMillis() + WALL_OVER_ROUND_TRIP.toMillis()) {
            return refuse("not-observed", "the receipt claims " + receipt.wallMillis() + " ms of wall time, the call took "
                    + observed.roundTripMillis() + " ms from grant to answer (+" + WALL_OVER_ROUND_TRIP.toMillis() + " ms)");
        }
        return Optional.empty();
    }

    /**
     * The gateway's witness of the receipts with these hashes (each passed {@link #problem}): one {@link WitnessBatch}
     * per at most {@value WitnessBatch#MAX_RECEIPTS} hashes, in order; none for none.
     */
    public List<WitnessBatch> sign(List<byte[]> receiptHashes) {
        List<WitnessBatch> batches = new ArrayList<>();
        for (int from = 0; from < receiptHashes.size(); from += WitnessBatch.MAX_RECEIPTS) {
            int to = Math.min(receiptHashes.size(), from + WitnessBatch.MAX_RECEIPTS);
            batches.add(WitnessBatch.sign(receiptHashes.subList(from, to), signer.signer()));
        }
        return batches;
    }

    private static Optional<Refusal> refuse(String reason, String detail) {
        return Optional.of(new Refusal(reason, detail));
    }
}
