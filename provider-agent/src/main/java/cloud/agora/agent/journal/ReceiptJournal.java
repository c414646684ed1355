package cloud.agora.agent.journal;

import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The agent's durable record of every usage receipt it issued, on local disk: nothing the
 * agent answered is lost when billing, Kafka or the agent itself goes down.
 *
 * <p>Two append-only files of JSON lines, each write forced to the device ({@code fsync})
 * before the call returns: {@code receipts.jsonl} (the receipts, appended before the response
 * leaves) and {@code shipped.jsonl} (invocation ids, appended after billing acknowledged them).
 * Pending = receipts − shipped, so a crash between shipping and marking re-ships a receipt
 * with the same id (billing dedupes by id), and a crash before shipping loses nothing. A torn
 * last line (crash mid-write) is cut off on open. Per lease and UTC day it keeps the Merkle
 * root of the receipts so billing can compare and ask for the missing ones.
 *
 * <p>Thread-safe: one lock serialises writes.
 */
public final class ReceiptJournal implements AutoCloseable {

    private final FileChannel receipts;
    private final FileChannel shipped;
    private final Map<UUID, UsageReceipt> all = new LinkedHashMap<>();
    private final Set<UUID> shippedIds = new HashSet<>();
    private final Map<UUID, Map<LocalDate, List<byte[]>>> leafHashes = new LinkedHashMap<>();

    private ReceiptJournal(FileChannel receipts, FileChannel shipped) {
        this.receipts = receipts;
        this.shipped = shipped;
    }

    /** Opens (or creates) the journal in {@code dir} and replays it. */
    public static ReceiptJournal open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel receipts = openLog(dir.resolve("receipts.jsonl"));
        FileChannel shipped = openLog(dir.resolve("shipped.jsonl"));
        ReceiptJournal journal = new ReceiptJournal(receipts, shipped);
        for (String line : readLines(receipts)) {
            journal.index(JsonCodec.read(line, UsageReceipt.class));
        }
        for (String line : readLines(shipped)) {
            journal.shippedIds.add(UUID.fromString(line));
        }
        return journal;
    }

    /** Appends a receipt and forces it to disk; a receipt already journaled (same id) is not written twice. */
    public synchronized void append(UsageReceipt receipt) {
        if (all.containsKey(receipt.invocationId())) {
            return;
        }
        write(receipts, JsonCodec.write(receipt));
        index(receipt);
    }

    /** Receipts not yet acknowledged by billing, oldest first, at most {@code max}. */
    public synchronized List<UsageReceipt> pending(int max) {
        List<UsageReceipt> out = new ArrayList<>();
        for (UsageReceipt r : all.values()) {
            if (!shippedIds.contains(r.invocationId())) {
                out.add(r);
                if (out.size() == max) {
                    break;
                }
            }
        }
        return out;
    }

    /** Records that billing acknowledged these receipts (forced to disk). */
    public synchronized void markShipped(Collection<UUID> invocationIds) {
        StringBuilder lines = new StringBuilder();
        for (UUID id : invocationIds) {
            if (all.containsKey(id) && !shippedIds.contains(id)) {
                lines.append(id).append('\n');
            }
        }
        if (lines.length() > 0) {
            write(shipped, lines.substring(0, lines.length() - 1));
            shippedIds.addAll(invocationIds);
        }
    }

    /** A journaled receipt, or null. */
    public synchronized UsageReceipt get(UUID invocationId) {
        return all.get(invocationId);
    }

    /** How many receipts are journaled, and how many of them are not yet shipped. */
    public synchronized Counts counts() {
        long unshipped = all.keySet().stream().filter(id -> !shippedIds.contains(id)).count();
        return new Counts(all.size(), unshipped);
    }

    /** The Merkle root of a lease's receipts that ended on a UTC day, and how many there are. */
    public synchronized PeriodRoot root(UUID leaseId, LocalDate day) {
        List<byte[]> leaves = leafHashes.getOrDefault(leaseId, Map.of()).getOrDefault(day, List.of());
        return new PeriodRoot(leaseId, day, leaves.size(), ReceiptMerkleTree.of(leaves).rootHex());
    }

    /** Every (lease, day) root. */
    public synchronized List<PeriodRoot> roots(UUID leaseId) {
        List<PeriodRoot> out = new ArrayList<>();
        new TreeMap<>(leafHashes.getOrDefault(leaseId, Map.of())).forEach((day, leaves) ->
                out.add(new PeriodRoot(leaseId, day, leaves.size(), ReceiptMerkleTree.of(leaves).rootHex())));
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        receipts.close();
        shipped.close();
    }

    /** Journal size. */
    public record Counts(long receipts, long unshipped) {
    }

    /** The Merkle root of one lease's receipts in one UTC day. */
    public record PeriodRoot(UUID leaseId, LocalDate day, int receipts, String merkleRoot) {
    }

    private void index(UsageReceipt receipt) {
        all.put(receipt.invocationId(), receipt);
        LocalDate day = receipt.endedAt().atZone(ZoneOffset.UTC).toLocalDate();
        leafHashes.computeIfAbsent(receipt.leaseId(), k -> new TreeMap<>()).computeIfAbsent(day, k -> new ArrayList<>())
                .add(receipt.hash());
    }

    private static void write(FileChannel channel, String line) {
        ByteBuffer buffer = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the receipt journal", e);
        }
    }

    private static FileChannel openLog(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Complete lines; cuts off a torn last line and leaves the channel positioned at the end. */
    private static List<String> readLines(FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        channel.read(buffer, 0);
        byte[] bytes = buffer.array();
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (end != size) {
            channel.truncate(end);
            channel.force(true);
        }
        channel.position(end);
        List<String> lines = new ArrayList<>();
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
