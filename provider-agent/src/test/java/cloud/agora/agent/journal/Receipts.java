package cloud.agora.agent.journal;

import cloud.agora.agent.metering.ReceiptSigner;
import cloud.agora.agent.runtime.Usage;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import org.web3j.crypto.ECKeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Signed receipts for tests. */
final class Receipts {

    static final ReceiptSigner SIGNER = new ReceiptSigner(
            KeyFiles.parse("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"));
    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    private Receipts() {
    }

    /** A functions gateway's key, to sign the grants receipts carry. */
    static final ECKeyPair GATEWAY = KeyFiles.parse("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    static UsageReceipt receipt(UUID leaseId, int i) {
        return receipt(leaseId, i, Instant.parse("2026-03-01T10:00:00Z"));
    }

    /** The {@code i}th receipt of a lease, its call started {@code i} seconds after {@code from}. */
    static UsageReceipt receipt(UUID leaseId, int i, Instant from) {
        Instant start = from.plusSeconds(i);
        UUID invocation = UUID.randomUUID();
        InvocationGrant grant = InvocationGrant.unsigned(invocation, leaseId, SIGNER.provider(), CONSUMER, "bafkreitest", 1000,
                start.minusMillis(5), Duration.ofSeconds(30)).signedBy(GATEWAY);
        return SIGNER.sign(invocation, leaseId, CONSUMER, new Usage(1_000_000L + i, 2_000_000L, 12, 5, 7, start,
                start.plusMillis(12)), grant);
    }

    /** A segment's written bytes: up to its first zero byte (a preallocated segment's unwritten rest). */
    static byte[] written(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return Arrays.copyOf(bytes, end);
    }

    /** A segment's written lines. */
    static List<String> lines(Path segment) throws IOException {
        return new String(written(segment), StandardCharsets.UTF_8).lines().toList();
    }
}
