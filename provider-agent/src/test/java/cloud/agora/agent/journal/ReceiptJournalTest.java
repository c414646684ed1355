package cloud.agora.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptJournalTest {

    @TempDir
    Path dir;

    @Test
    void replaysReceiptsAndShippedMarksAfterReopening() throws Exception {
        UUID lease = UUID.randomUUID();
        List<UsageReceipt> written = new ArrayList<>();
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            for (int i = 0; i < 5; i++) {
                written.add(Receipts.receipt(lease, i));
                journal.append(written.get(i));
            }
            journal.markShipped(List.of(written.get(0).invocationId(), written.get(1).invocationId()));
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(5, 3));
            assertThat(journal.pending(10)).containsExactlyElementsOf(written.subList(2, 5));
            assertThat(journal.get(written.get(3).invocationId())).isEqualTo(written.get(3));
            journal.get(written.get(3).invocationId()).verifyProviderSignature();
        }
    }

    @Test
    void appendsAReceiptOnlyOnce() throws Exception {
        UsageReceipt r = Receipts.receipt(UUID.randomUUID(), 0);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journal.append(r);
            journal.append(r);
            assertThat(journal.counts().receipts()).isEqualTo(1);
        }
        assertThat(Receipts.lines(ReceiptJournal.segmentFile(dir, 1))).hasSize(1);
    }

    /** A journal in {@link #dir} holding one receipt of the lease, closed; the receipt. */
    private UsageReceipt journalOne(UUID lease) throws Exception {
        UsageReceipt first = Receipts.receipt(lease, 0);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journal.append(first);
        }
        return first;
    }

    @Test
    void cutsOffATornLastLineAndKeepsAppending() throws Exception {
        UUID lease = UUID.randomUUID();
        UsageReceipt first = journalOne(lease);
        Files.writeString(ReceiptJournal.segmentFile(dir, 1), "{\"invocationId\":\"torn", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        UsageReceipt second = Receipts.receipt(lease, 1);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journal.append(second);
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.pending(10)).containsExactly(first, second);
        }
    }

    /**
     * A segment's file is full size before its first line: appending writes over zeros the file already holds, so a sync
     * flushes the lines alone and never the file's size; the next segment's file waits beside it, just as full.
     */
    @Test
    void anAppendWritesOverZerosTheSegmentAlreadyHoldsAndTheNextSegmentWaitsReady() throws Exception {
        long full = ReceiptJournal.Limits.DEFAULT.segmentBytes();
        Path file = ReceiptJournal.segmentFile(dir, 1);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(Files.size(file)).isEqualTo(full);
            UUID lease = UUID.randomUUID();
            for (int i = 0; i < 3; i++) {
                journal.append(Receipts.receipt(lease, i));
            }
            assertThat(Files.size(file)).as("the file did not grow").isEqualTo(full);
            assertThat(Receipts.lines(file)).hasSize(3);
            journal.awaitSpare();
            assertThat(Files.size(dir.resolve(ReceiptJournal.SPARE))).isEqualTo(full);
        }
    }

    /**
     * After a crash a preallocated segment may hold, after its last synced line, a torn line and, past a few zeros, a
     * whole line whose block reached the device before the torn one's (neither was synced, so neither was answered).
     * Opening keeps neither and writes zeros over both, so that a longer line written next, over part of that later one,
     * reads back alone rather than followed by the rest of it.
     */
    @Test
    void linesLeftAfterTheLastSyncedOneAreZeroedSoThatLinesWrittenOverThemReadBackAsWritten() throws Exception {
        UUID lease = UUID.randomUUID();
        UsageReceipt first = journalOne(lease);
        Path file = ReceiptJournal.segmentFile(dir, 1);
        int end = Receipts.written(file).length;
        byte[] torn = "{\"invocationId\":\"torn".getBytes(StandardCharsets.UTF_8);
        UsageReceipt unsynced = Receipts.receipt(lease, 1);
        byte[] later = (cloud.agora.protocol.event.JsonCodec.write(unsynced) + "\n").getBytes(StandardCharsets.UTF_8);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(torn), end);
            channel.write(java.nio.ByteBuffer.wrap(later), end + torn.length + 16);
        }
        UsageReceipt second = Receipts.receipt(lease, 2);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.pending(10)).containsExactly(first);
            assertThat(journal.contains(unsynced.invocationId())).isFalse();
            journal.append(second);
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.pending(10)).containsExactly(first, second);
        }
        byte[] bytes = Files.readAllBytes(file);
        int written = Receipts.written(file).length;
        for (int i = written; i < bytes.length; i++) {
            assertThat(bytes[i]).as("byte %d after the last line", i).isZero();
        }
    }

    @Test
    void keepsAMerkleRootPerLeaseAndDay() throws Exception {
        UUID lease = UUID.randomUUID();
        List<UsageReceipt> receipts = List.of(Receipts.receipt(lease, 0), Receipts.receipt(lease, 1), Receipts.receipt(lease, 2));
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            receipts.forEach(journal::append);
            journal.append(Receipts.receipt(UUID.randomUUID(), 3));
            ReceiptJournal.PeriodRoot root = journal.root(lease, LocalDate.parse("2026-03-01"));
            assertThat(root.receipts()).isEqualTo(3);
            assertThat(root.merkleRoot()).isEqualTo(ReceiptMerkleTree.ofReceipts(receipts).rootHex());
            assertThat(journal.roots(lease)).containsExactly(root);
            assertThat(journal.root(lease, LocalDate.parse("2026-03-02")).merkleRoot()).isEqualTo("0x" + "0".repeat(64));
        }
    }

    /**
     * Group commit, observed: the first append's sync is held open while seven more appends write their lines. None of
     * the eight returns while that sync is held, nor is any receipt visible; once it is let go, the seven queued appends
     * are covered by one more sync (two in all, not eight), and every append returned only after a sync that covered its
     * own line had finished (each records, on returning, how many bytes the finished syncs covered, and its line ends
     * within them). Nothing here waits for time: the test holds the sync itself and watches the file.
     */
    @Test
    void concurrentAppendsShareOneSyncAndNoneReturnsBeforeASyncCoversItsLine() throws Exception {
        UUID lease = UUID.randomUUID();
        Path file = ReceiptJournal.segmentFile(dir, 1);
        CountDownLatch firstSyncStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstSync = new CountDownLatch(1);
        AtomicInteger syncs = new AtomicInteger();
        AtomicLong syncedBytes = new AtomicLong(); // bytes of the file covered by syncs that have finished
        ReceiptJournal.DeviceSync observed = channel -> {
            long covers = channel.position(); // what a sync starting now covers: the lines written so far
            if (syncs.incrementAndGet() == 1) {
                firstSyncStarted.countDown();
                try {
                    releaseFirstSync.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            channel.force(false);
            syncedBytes.accumulateAndGet(covers, Math::max);
        };
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            receipts.add(Receipts.receipt(lease, i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, observed)) {
            List<CompletableFuture<Long>> appends = new ArrayList<>();
            // each append, once returned, reports the bytes covered by finished syncs at that moment
            appends.add(CompletableFuture.supplyAsync(() -> {
                journal.append(receipts.get(0));
                return syncedBytes.get();
            }, pool));
            assertThat(firstSyncStarted.await(30, TimeUnit.SECONDS)).isTrue();
            for (UsageReceipt r : receipts.subList(1, 8)) {
                appends.add(CompletableFuture.supplyAsync(() -> {
                    journal.append(r);
                    return syncedBytes.get();
                }, pool));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Receipts.lines(file).size() < 8) { // all eight lines written, the first sync still held
                assertThat(System.nanoTime() - deadline).isNegative();
                Thread.onSpinWait();
            }
            assertThat(appends).noneMatch(CompletableFuture::isDone);
            assertThat(journal.counts().receipts()).isZero(); // written is not journaled until it is on the device
            assertThat(journal.get(receipts.get(3).invocationId())).isNull();
            assertThat(journal.pending(10)).isEmpty();

            releaseFirstSync.countDown();
            List<Long> syncedWhenReturned = new ArrayList<>();
            for (CompletableFuture<Long> a : appends) {
                syncedWhenReturned.add(a.get(30, TimeUnit.SECONDS));
            }
            assertThat(syncs.get()).isEqualTo(2);
            byte[] bytes = Receipts.written(file);
            String text = new String(bytes, StandardCharsets.UTF_8);
            for (int i = 0; i < 8; i++) {
                int start = text.indexOf(receipts.get(i).invocationId().toString());
                long lineEnd = new String(text.substring(0, text.indexOf('\n', start) + 1)).getBytes(StandardCharsets.UTF_8).length;
                assertThat(syncedWhenReturned.get(i)).as("append %d returned before its line was synced", i)
                        .isGreaterThanOrEqualTo(lineEnd);
            }
            assertThat(journal.counts().receipts()).isEqualTo(8);
            assertThat(journal.pending(10)).containsExactlyInAnyOrderElementsOf(receipts);
        } finally {
            pool.shutdownNow();
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.counts().receipts()).isEqualTo(8);
        }
    }

    /** Many writers at once (the agent's worker threads): every receipt journaled once, fewer syncs than receipts. */
    @Test
    void manyConcurrentAppendsAreEachJournaledOnceWithFewerSyncs() throws Exception {
        UUID lease = UUID.randomUUID();
        AtomicInteger syncs = new AtomicInteger();
        ReceiptJournal.DeviceSync counted = channel -> {
            syncs.incrementAndGet();
            channel.force(false);
        };
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            receipts.add(Receipts.receipt(lease, i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, counted)) {
            List<CompletableFuture<Void>> appends = new ArrayList<>();
            for (UsageReceipt r : receipts) {
                appends.add(CompletableFuture.runAsync(() -> {
                    journal.append(r);
                    journal.append(r); // a second append of one id writes nothing and returns once it is synced
                    assertThat(journal.get(r.invocationId())).isEqualTo(r);
                }, pool));
            }
            for (CompletableFuture<Void> a : appends) {
                a.get(60, TimeUnit.SECONDS);
            }
            assertThat(journal.counts().receipts()).isEqualTo(400);
        } finally {
            pool.shutdownNow();
        }
        assertThat(Receipts.lines(ReceiptJournal.segmentFile(dir, 1))).hasSize(400);
        assertThat(syncs.get()).isLessThan(400);
    }
}
