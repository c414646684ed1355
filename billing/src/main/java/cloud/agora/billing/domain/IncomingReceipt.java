package cloud.agora.billing.domain;

import cloud.agora.billing.persistence.WitnessRepository.Witness;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.UsageReceipt;
import java.util.Objects;

/**
 * A receipt as it arrived, before any check.
 *
 * @param receipt   the parsed receipt, or null when the payload is not one
 * @param payload   what arrived (kept in the quarantine when it is refused); null for a parsed receipt whose payload is
 *                  its own JSON, written only if it is ever needed (most receipts are rated and never need it)
 * @param source    where it came from: {@code kafka}, {@code http:<caller>} or {@code parked}
 * @param malformed why the payload is not a receipt, when {@code receipt} is null
 * @param providerBatch the root of the provider's {@link cloud.agora.protocol.usage.ReceiptBatch} whose verified
 *                  attestation covers the receipt (then it needs no provider signature of its own), or null
 * @param witness   the gateway's witness batch covering the receipt, when already known (then it needs no
 *                  counter-signature of its own), or null
 */
public record IncomingReceipt(UsageReceipt receipt, String payload, String source, String malformed, String providerBatch,
        Witness witness) {

    public IncomingReceipt(UsageReceipt receipt, String payload, String source, String malformed) {
        this(receipt, payload, source, malformed, null, null);
    }

    public IncomingReceipt {
        Objects.requireNonNull(source, "source");
        if (payload == null && receipt == null) {
            throw new IllegalArgumentException("a malformed payload is kept as it arrived");
        }
        if ((receipt == null) == (malformed == null)) {
            throw new IllegalArgumentException("either a receipt or the reason it is malformed");
        }
    }

    /** A parsed receipt. */
    public static IncomingReceipt of(UsageReceipt receipt, String payload, String source) {
        return new IncomingReceipt(receipt, payload, source, null);
    }

    /** A parsed receipt; its payload is the receipt's own JSON (what a parked receipt is stored as). */
    public static IncomingReceipt of(UsageReceipt receipt, String source) {
        return new IncomingReceipt(receipt, null, source, null);
    }

    /** This receipt, attested by its provider in the batch with root {@code root} (null: by its own signature). */
    public IncomingReceipt attestedIn(String root) {
        return new IncomingReceipt(receipt, payload, source, malformed, root, witness);
    }

    /** This receipt, witnessed by {@code witness}'s batch. */
    public IncomingReceipt witnessedBy(Witness witness) {
        return new IncomingReceipt(receipt, payload, source, malformed, providerBatch, witness);
    }

    /** What arrived: the receipt's own JSON when it was built from a parsed receipt. */
    @Override
    public String payload() {
        return payload != null ? payload : JsonCodec.write(receipt);
    }

    /** Reads a receipt's JSON (as {@link #of(UsageReceipt, String)} stores it). */
    public static IncomingReceipt parse(String receiptJson, String source) {
        try {
            return of(JsonCodec.read(receiptJson, UsageReceipt.class), source);
        } catch (RuntimeException e) {
            return malformed(receiptJson, source, e.getMessage());
        }
    }

    /** A payload that is not a receipt. */
    public static IncomingReceipt malformed(String payload, String source, String why) {
        return new IncomingReceipt(null, payload, source, why);
    }
}
