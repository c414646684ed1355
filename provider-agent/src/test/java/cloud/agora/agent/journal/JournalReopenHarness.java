package cloud.agora.agent.journal;

import cloud.agora.protocol.usage.UsageReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * How long the journal takes to open after a long history. {@code write N DIR} writes {@code N} receipts (four leases,
 * spread over the last five days, shipped in batches of 1,000 as the shipper marks them; the device sync skipped to
 * write them fast — opening does not depend on it); {@code open DIR} opens the journal once in this JVM (as an agent
 * that just started does, after the JVM's one-time costs any agent start pays) and prints the time, the lines it read
 * and the cost of a day's root, cold and again. Run by
 * {@code provider-agent/bench/journal-reopen.sh}, which opens each time in a new JVM. {@code unshipped N DIR} appends
 * {@code N} receipts none of which is ever shipped (billing unreachable) and prints, per 100,000 receipts held, the
 * median append and the mean of the slowest ones, as many as segments were sealed meanwhile (the appends that sealed).
 */
public final class JournalReopenHarness {

    public static void main(String[] args) throws Exception {
        if ("write".equals(args[0])) {
            write(Integer.parseInt(args[1]), Path.of(args[2]));
        } else if ("unshipped".equals(args[0])) {
            unshipped(Integer.parseInt(args[1]), Path.of(args[2]));
        } else {
            open(Path.of(args[1]));
        }
    }

    static final UUID[] LEASES = {new UUID(1, 1), new UUID(1, 2), new UUID(1, 3), new UUID(1, 4)};

    private static void write(int n, Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
        UUID[] leases = LEASES;
        Instant from = Instant.now().minus(Duration.ofDays(5));
        long spacingNanos = Duration.ofDays(5).toNanos() / n;
        UsageReceipt template = Receipts.receipt(leases[0], 0, from);
        ReceiptJournal.DeviceSync none = channel -> { };
        long started = System.nanoTime();
        try (ReceiptJournal journal = ReceiptJournal.open(dir, none, ReceiptJournal.Limits.DEFAULT)) {
            List<UUID> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Instant start = from.plusNanos(spacingNanos * i);
                UsageReceipt r = new UsageReceipt(UUID.randomUUID(), leases[i % leases.length], template.provider(),
                        template.consumer(), template.cpuNanos(), template.peakMemoryBytes(), template.memoryMibMillis(),
                        template.wallMillis(), template.bytesIn(), template.bytesOut(), start, start.plusMillis(12),
                        template.grant(), template.providerSignature(), null);
                journal.append(r);
                batch.add(r.invocationId());
                if (batch.size() == 1000) {
                    journal.markShipped(batch);
                    batch.clear();
                }
                if ((i + 1) % 1_000_000 == 0) {
                    System.out.printf("%,d receipts written in %d s%n", i + 1, (System.nanoTime() - started) / 1_000_000_000L);
                }
            }
            journal.markShipped(batch);
        }
        long bytes;
        try (Stream<Path> files = Files.list(dir)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf("%,d receipts written in %d s, %,d MiB on disk%n", n, (System.nanoTime() - started) / 1_000_000_000L,
                bytes >> 20);
    }

    private static void unshipped(int n, Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
        UsageReceipt template = Receipts.receipt(LEASES[0], 0, Instant.now());
        try (ReceiptJournal journal = ReceiptJournal.open(dir, channel -> { }, ReceiptJournal.Limits.DEFAULT)) {
            long slowest = 0;
            long sealsSeen = 0;
            List<Long> median = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Instant start = Instant.now();
                UsageReceipt r = new UsageReceipt(UUID.randomUUID(), LEASES[i % LEASES.length], template.provider(),
                        template.consumer(), template.cpuNanos(), template.peakMemoryBytes(), template.memoryMibMillis(),
                        template.wallMillis(), template.bytesIn(), template.bytesOut(), start, start.plusMillis(12),
                        template.grant(), template.providerSignature(), null);
                long t0 = System.nanoTime();
                journal.append(r);
                long took = System.nanoTime() - t0;
                slowest = Math.max(slowest, took);
                median.add(took);
                if ((i + 1) % 100_000 == 0) {
                    java.util.Collections.sort(median);
                    int seals = (int) (journal.counts().receipts() > 0 ? sealsSince(dir, sealsSeen) : 0);
                    sealsSeen += seals;
                    double sealMean = median.subList(median.size() - seals, median.size()).stream()
                            .mapToLong(Long::longValue).average().orElse(0);
                    System.out.printf("%,9d receipts held: append p50 %.3f ms; the %d slowest (as many as seals) mean"
                            + " %.2f ms; slowest %.1f ms%n", i + 1, median.get(median.size() / 2) / 1e6, seals,
                            sealMean / 1e6, slowest / 1e6);
                    slowest = 0;
                    median.clear();
                }
            }
        }
    }

    /** How many segments were sealed beyond {@code seen}: their sidecars on disk. */
    private static long sealsSince(Path dir, long seen) throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".leaves")).count() - seen;
        }
    }

    private static void open(Path dir) throws Exception {
        // the JVM's one-time costs that any agent start pays whatever its journal (Jackson's mapper, the protocol's
        // types, the curve and keccak: 1.5–2 s here) are paid first, by one receipt written, read and hashed
        long warm = System.nanoTime();
        cloud.agora.protocol.event.JsonCodec.read(cloud.agora.protocol.event.JsonCodec.write(
                Receipts.receipt(LEASES[0], 0, Instant.now())), UsageReceipt.class).hash();
        long warmMillis = (System.nanoTime() - warm) / 1_000_000;
        long t = System.nanoTime();
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            long opened = (System.nanoTime() - t) / 1_000_000;
            LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(3);
            long r = System.nanoTime();
            ReceiptJournal.PeriodRoot root = journal.root(LEASES[0], day);
            long cold = (System.nanoTime() - r) / 1_000_000;
            r = System.nanoTime();
            journal.root(LEASES[0], day);
            System.out.printf("opened in %d ms (a new JVM, after %d ms of its one-time costs), read %,d lines; %s; the root"
                    + " of a day of %,d receipts in %d ms, again in %d ms%n", opened, warmMillis, journal.linesReadOnOpen(),
                    journal.counts(), root.receipts(), cold, (System.nanoTime() - r) / 1_000_000);
        }
    }
}
