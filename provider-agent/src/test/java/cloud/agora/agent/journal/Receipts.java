package cloud.agora.agent.journal;

import cloud.agora.agent.metering.ReceiptSigner;
import cloud.agora.agent.runtime.Usage;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Instant;
import java.util.UUID;

/** Signed receipts for tests. */
final class Receipts {

    static final ReceiptSigner SIGNER = new ReceiptSigner(
            KeyFiles.parse("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"));
    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    private Receipts() {
    }

    static UsageReceipt receipt(UUID leaseId, int i) {
        Instant start = Instant.parse("2026-03-01T10:00:00Z").plusSeconds(i);
        return SIGNER.sign(UUID.randomUUID(), leaseId, CONSUMER, new Usage(1_000_000L + i, 2_000_000L, 12, 5, 7, start,
                start.plusMillis(12)));
    }
}
