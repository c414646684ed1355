package cloud.agora.agent.journal;

import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.UsageReceipt;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What one receipt's line costs to make durable: appended to a growing file and synced, written over zeros a
 * preallocated file already holds and synced, and {@link ReceiptJournal#append} itself (one writer: a sync per line).
 * Not part of the default test run (the name does not end in Test); run it with
 * {@code mvn -o -q -pl provider-agent verify -Dtest=JournalSyncBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dbench.n=2000 -Dbench.rounds=3} and read {@code provider-agent/target/journal-sync.txt}. A loop harness, not JMH:
 * the series take turns in each round (the disk's state drifts), each write + sync is timed on its own, and the
 * calling thread's CPU time (user and system) is divided by the lines. The files live under {@code target/}, on the
 * disk an agent's data directory would use on this machine.
 */
class JournalSyncBenchmark {

    @Test
    void syncCostPerLine() throws Exception {
        int n = Integer.getInteger("bench.n", 2_000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        Path work = Files.createDirectories(Path.of("target", "journal-sync"));
        UUID lease = UUID.randomUUID();
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < n * (rounds + 1); i++) {
            receipts.add(Receipts.receipt(lease, i));
        }
        byte[] line = (JsonCodec.write(receipts.get(0)) + "\n").getBytes(StandardCharsets.UTF_8);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, List<long[]>> results = new LinkedHashMap<>();
        for (int round = 0; round <= rounds; round++) { // round 0 warms up
            for (String series : List.of("append, growing file", "overwrite, preallocated file", "ReceiptJournal.append")) {
                long[] times = new long[n];
                long cpu0 = threads.getCurrentThreadCpuTime();
                if (series.startsWith("ReceiptJournal")) {
                    Path dir = work.resolve("journal-" + round);
                    deleteTree(dir);
                    try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
                        cpu0 = threads.getCurrentThreadCpuTime();
                        for (int i = 0; i < n; i++) {
                            UsageReceipt r = receipts.get(round * n + i);
                            long start = System.nanoTime();
                            journal.append(r);
                            times[i] = System.nanoTime() - start;
                        }
                    }
                } else {
                    Path file = work.resolve("lines");
                    Files.deleteIfExists(file);
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        if (series.startsWith("overwrite")) {
                            ByteBuffer zeros = ByteBuffer.allocate(line.length * n + 4096);
                            while (zeros.hasRemaining()) {
                                channel.write(zeros, zeros.position());
                            }
                            channel.force(true);
                        }
                        cpu0 = threads.getCurrentThreadCpuTime();
                        long at = 0;
                        for (int i = 0; i < n; i++) {
                            long start = System.nanoTime();
                            ByteBuffer buffer = ByteBuffer.wrap(line);
                            while (buffer.hasRemaining()) {
                                at += channel.write(buffer, at);
                            }
                            channel.force(false);
                            times[i] = System.nanoTime() - start;
                        }
                    }
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                if (round > 0) {
                    Arrays.sort(times);
                    results.computeIfAbsent(series, k -> new ArrayList<>())
                            .add(new long[] {times[n / 2], times[n * 9 / 10], times[n * 99 / 100], cpu / n});
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("%d lines of %d bytes per series and round, %d rounds (p50 / p90 / p99 ms, CPU us per line)%n",
                n, line.length, rounds));
        results.forEach((series, perRound) -> {
            out.append(String.format("%-30s", series));
            for (long[] r : perRound) {
                out.append(String.format("  %.3f / %.3f / %.3f, %.1f", r[0] / 1e6, r[1] / 1e6, r[2] / 1e6, r[3] / 1e3));
            }
            out.append('\n');
        });
        Files.writeString(Path.of("target", "journal-sync.txt"), out);
        System.out.print(out);
        deleteTree(work);
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
