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
 * <p>Two append-only files of JSON lines, each write forced to the device ({@code fdatasync})
 * before the call returns: {@code receipts.jsonl} (the receipts, appended before the response
 * leaves) and {@code shipped.jsonl} (invocation ids, appended after billing acknowledged them).
 * Pending = receipts − shipped, so a crash between shipping and marking re-ships a receipt
 * with the same id (billing dedupes by id), and a crash before shipping loses nothing. A torn
 * last line (crash mid-write) is cut off on open. Per lease and UTC day it keeps the Merkle
 * root of the receipts so billing can compare and ask for the missing ones.
 *
 * <p><b>Group commit.</b> Concurrent calls' receipts share one {@code fdatasync}: {@link #append}
 * writes its line, then waits for a sync that started after its write. One caller at a time
 * syncs (the others queue behind it); the one that gets to sync covers every line written before
 * it started, so callers that queued meanwhile find their line already covered and return without
 * a sync of their own. Each caller still returns only once its own line is on the device, and a
 * receipt becomes visible to {@link #get}, {@link #pending}, {@link #counts} and the roots only then
 * (the shipper never sends a receipt that a crash could still take back). A lone call costs what it
 * did before: one write, one sync.
 *
 * <p>Thread-safe: one lock serialises writes and the views, another the syncs.
 */
public final class ReceiptJournal implements AutoCloseable {

    private final FileChannel receipts;
    private final FileChannel shipped;
    private final DeviceSync sync;
    /** Serialises the syncs of {@code receipts.jsonl}: one at a time, the others wait here and are usually covered by it. */
    private final Object syncing = new Object();
    /** Receipts written and not yet covered by a finished sync, in write order, with their line's number ({@link #written}). */
    private final List<Written> unsynced = new ArrayList<>();
    /** Lines written to {@code receipts.jsonl} by this instance (guarded by this). */
    private long written;
    /** Lines of this instance known to be on the device (guarded by {@link #syncing}). */
    private long synced;
    private final Map<UUID, UsageReceipt> all = new LinkedHashMap<>();
    private final Set<UUID> shippedIds = new HashSet<>();
    private final Map<UUID, Map<LocalDate, List<byte[]>>> leafHashes = new LinkedHashMap<>();

    private ReceiptJournal(FileChannel receipts, FileChannel shipped, DeviceSync sync) {
        this.receipts = receipts;
        this.shipped = shipped;
        this.sync = sync;
    }

    /** How a log file's written bytes are made durable: {@code fdatasync} ({@link FileChannel#force force(false)}). */
    @FunctionalInterface
    interface DeviceSync {
        DeviceSync FDATASYNC = channel -> channel.force(false);

        void force(FileChannel channel) throws IOException;
    }

    /** A receipt's line written to the file, waiting for the sync that covers it. */
    private record Written(long line, UsageReceipt receipt) {
    }

    /** Opens (or creates) the journal in {@code dir} and replays it. */
    public static ReceiptJournal open(Path dir) throws IOException {
        return open(dir, DeviceSync.FDATASYNC);
    }

    /** As {@link #open(Path)}, with the sync given (tests observe when each sync starts and ends). */
    static ReceiptJournal open(Path dir, DeviceSync sync) throws IOException {
        Files.createDirectories(dir);
        FileChannel receipts = openLog(dir.resolve("receipts.jsonl"));
        FileChannel shipped = openLog(dir.resolve("shipped.jsonl"));
        ReceiptJournal journal = new ReceiptJournal(receipts, shipped, sync);
        for (String line : readLines(receipts)) {
            journal.index(JsonCodec.read(line, UsageReceipt.class));
        }
        for (String line : readLines(shipped)) {
            journal.shippedIds.add(UUID.fromString(line));
        }
        return journal;
    }

    /**
     * Appends a receipt and returns once it is on the device (its own sync, or one it shares with concurrent appends);
     * a receipt already journaled or being journaled (same id) is not written twice, and this call too returns only once
     * that one is on the device.
     */
    public void append(UsageReceipt receipt) {
        byte[] line = (JsonCodec.write(receipt) + "\n").getBytes(StandardCharsets.UTF_8);
        long mine;
        synchronized (this) {
            if (all.containsKey(receipt.invocationId())) {
                return;
            }
            Written earlier = unsyncedOf(receipt.invocationId());
            if (earlier != null) {
                mine = earlier.line();
            } else {
                writeFully(receipts, line);
                mine = ++written;
                unsynced.add(new Written(mine, receipt));
            }
        }
        awaitSynced(mine);
    }

    /**
     * Returns once line {@code line} of this instance is on the device: the first caller to get here syncs every line
     * written so far; callers that waited meanwhile are usually covered by that sync and return without one.
     */
    private void awaitSynced(long line) {
        synchronized (syncing) {
            if (synced >= line) {
                return; // covered by a sync that started after this line was written
            }
            long upTo;
            synchronized (this) {
                upTo = written; // every line written before the sync starts is covered by it
            }
            try {
                sync.force(receipts);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the receipt journal", e);
            }
            synced = upTo;
            synchronized (this) {
                while (!unsynced.isEmpty() && unsynced.get(0).line() <= upTo) {
                    index(unsynced.remove(0).receipt());
                }
            }
        }
    }

    private Written unsyncedOf(UUID invocationId) {
        for (Written w : unsynced) {
            if (w.receipt().invocationId().equals(invocationId)) {
                return w;
            }
        }
        return null;
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

    /** The hashes of a lease's journaled receipts that ended on a UTC day, in journal order (the leaves of its root). */
    public synchronized List<byte[]> leaves(UUID leaseId, LocalDate day) {
        return leafHashes.getOrDefault(leaseId, Map.of()).getOrDefault(day, List.of()).stream().map(byte[]::clone).toList();
    }

    /** The journaled receipts of a lease that ended on a UTC day, in journal order. */
    public synchronized List<UsageReceipt> receipts(UUID leaseId, LocalDate day) {
        return all.values().stream().filter(r -> r.leaseId().equals(leaseId)
                && r.endedAt().atZone(ZoneOffset.UTC).toLocalDate().equals(day)).toList();
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

    private void write(FileChannel channel, String line) {
        writeFully(channel, (line + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            sync.force(channel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the receipt journal", e);
        }
    }

    private static void writeFully(FileChannel channel, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
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

    /** The leases that have journaled receipts, in the order their first receipt was journaled. */
    public synchronized List<UUID> leases() {
        return List.copyOf(leafHashes.keySet());
    }
}
