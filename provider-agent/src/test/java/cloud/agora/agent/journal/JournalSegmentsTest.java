package cloud.agora.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's segments: what opening reads, what leaves memory and disk, crashes between sealing steps, a full disk. */
class JournalSegmentsTest {

    /** About four receipts per segment. */
    private static final ReceiptJournal.Limits SMALL = new ReceiptJournal.Limits(4096, 0, Duration.ofDays(7));

    @TempDir
    Path dir;

    private final UUID lease = UUID.randomUUID();
    /** Calls that ended in the last minutes, so that nothing is old enough to be deleted or forgotten. */
    private final Instant today = Instant.now().minusSeconds(120);

    private List<UsageReceipt> receipts(int n) {
        List<UsageReceipt> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Receipts.receipt(lease, i, today));
        }
        return out;
    }

    private static List<UUID> ids(List<UsageReceipt> receipts) {
        return receipts.stream().map(UsageReceipt::invocationId).toList();
    }

    /** The roots of the lease's receipts per UTC day (a run near midnight spans two). */
    private List<ReceiptJournal.PeriodRoot> expectedRoots(List<UsageReceipt> receipts) {
        java.util.TreeMap<LocalDate, List<UsageReceipt>> byDay = new java.util.TreeMap<>();
        receipts.forEach(r -> byDay.computeIfAbsent(LocalDate.ofInstant(r.endedAt(), ZoneOffset.UTC), d -> new ArrayList<>()).add(r));
        List<ReceiptJournal.PeriodRoot> out = new ArrayList<>();
        byDay.forEach((day, rs) -> out.add(new ReceiptJournal.PeriodRoot(lease, day, rs.size(),
                ReceiptMerkleTree.ofReceipts(rs).rootHex())));
        return out;
    }

    private List<UsageReceipt> allReceipts(ReceiptJournal journal) {
        List<UsageReceipt> out = new ArrayList<>();
        journal.roots(lease).forEach(root -> out.addAll(journal.receipts(lease, root.day())));
        return out;
    }

    private long segmentsOnDisk() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jsonl")
                    && p.getFileName().toString().startsWith("segment-")).count();
        }
    }

    private long maxLinesPerSegment() throws IOException {
        Path first = ReceiptJournal.segmentFile(dir, 1);
        return SMALL.segmentBytes() / (Receipts.written(first).length / Receipts.lines(first).size()) + 1;
    }

    /**
     * Opening reads the active segment and the sealed ones that still hold unshipped receipts, never the shipped
     * history: ten times the history costs the same lines.
     */
    @Test
    void openingReadsTheActiveAndUnshippedSegmentsNotTheShippedHistory() throws Exception {
        List<UsageReceipt> all = receipts(400);
        long linesAfter40;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            for (UsageReceipt r : all.subList(0, 40)) {
                journal.append(r);
                journal.markShipped(List.of(r.invocationId()));
            }
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            linesAfter40 = journal.linesReadOnOpen();
            for (UsageReceipt r : all.subList(40, 400)) {
                journal.append(r);
                journal.markShipped(List.of(r.invocationId()));
            }
        }
        long perSegment = maxLinesPerSegment();
        assertThat(segmentsOnDisk()).isGreaterThan(50);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.linesReadOnOpen()).isLessThanOrEqualTo(perSegment).isLessThanOrEqualTo(Math.max(linesAfter40, perSegment));
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(400, 0));
            assertThat(journal.roots(lease)).isEqualTo(expectedRoots(all));
            assertThat(allReceipts(journal)).containsExactlyElementsOf(all);
            assertThat(journal.contains(all.get(3).invocationId())).as("an id of today is still recognised").isTrue();
        }
    }

    /**
     * The segment a seal starts is the spare made ahead: full size and empty, so its first lines write over zeros; the
     * journal's own thread then makes a new spare.
     */
    @Test
    void aSealStartsTheNextSegmentFromTheSpareMadeAhead() throws Exception {
        List<UsageReceipt> all = receipts(40);
        Path second = ReceiptJournal.segmentFile(dir, 2);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            journal.awaitSpare(); // the one made after opening
            int i = 0;
            while (!Files.exists(second)) {
                journal.append(all.get(i++));
            }
            assertThat(Files.size(second)).isEqualTo(SMALL.segmentBytes());
            assertThat(Receipts.written(second)).isEmpty();
            journal.awaitSpare();
            assertThat(Files.size(dir.resolve(ReceiptJournal.SPARE))).isEqualTo(SMALL.segmentBytes());
            journal.append(all.get(i));
            assertThat(Receipts.lines(second)).hasSize(1);
            assertThat(Files.size(second)).as("written over its zeros").isEqualTo(SMALL.segmentBytes());
        }
    }

    /**
     * A seal that fails after it made the next segment's file from the spare (here its directory sync; opening a file
     * fails so when the process is out of descriptors) undoes it: the file goes back to being the spare, the segment
     * stays active, the next seal takes the same spare, and every receipt acknowledged reads back after reopening. Left
     * in place, the file made every later seal fail until a restart.
     */
    @Test
    void aSealThatFailsAfterTakingTheSpareGivesItBackAndTheNextSealGoesOn() throws Exception {
        List<UsageReceipt> all = receipts(40);
        Path second = ReceiptJournal.segmentFile(dir, 2);
        Path third = ReceiptJournal.segmentFile(dir, 3);
        int appended = 0;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            journal.awaitSpare(); // the seal takes it
            java.util.concurrent.atomic.AtomicInteger refused = refuseDirectorySyncs(journal);
            while (refused.get() == 0) {
                journal.append(all.get(appended++));
            }
            assertThat(second).as("the failed seal's file is gone").doesNotExist();
            assertThat(dir.resolve(ReceiptJournal.SPARE)).as("back to being the spare").hasSize(SMALL.segmentBytes());
            assertThat(ReceiptJournal.leavesFile(dir, 1)).doesNotExist();
            journal.afterNextSegment = () -> { };
            appended = appendUntilExists(journal, all, appended, second);
            assertThat(second).as("the next seal goes on").exists();
            assertThat(Files.size(second)).as("from the spare given back").isEqualTo(SMALL.segmentBytes());
            appended = appendUntilExists(journal, all, appended, third);
            assertThat(third).as("and the one after").exists();
            assertThat(ReceiptJournal.leavesFile(dir, 1)).exists();
            assertThat(journal.counts().receipts()).isEqualTo(appended);
        }
        assertAllReadBack(all.subList(0, appended));
    }

    /**
     * The same with no spare ready (one held half made): the empty file the failed seal made is deleted, and the next
     * seal makes it again.
     */
    @Test
    void aSealThatFailsAfterMakingAnEmptySegmentDeletesItAndTheNextSealGoesOn() throws Exception {
        List<UsageReceipt> all = receipts(60);
        Path third = ReceiptJournal.segmentFile(dir, 3);
        Path fourth = ReceiptJournal.segmentFile(dir, 4);
        SpareHold hold = new SpareHold();
        int appended = 0;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            journal.awaitSpare(); // the one made after opening, not held
            hold.on(journal);
            appended = appendUntilExists(journal, all, appended, ReceiptJournal.segmentFile(dir, 2)); // takes the spare
            assertThat(hold.awaitHeld()).isTrue(); // the next one is half made
            java.util.concurrent.atomic.AtomicInteger refused = refuseDirectorySyncs(journal);
            while (refused.get() == 0) {
                journal.append(all.get(appended++));
            }
            assertThat(third).as("the failed seal's empty file is gone").doesNotExist();
            assertThat(ReceiptJournal.leavesFile(dir, 2)).doesNotExist();
            journal.afterNextSegment = () -> { };
            appended = appendUntilExists(journal, all, appended, fourth);
            assertThat(fourth).as("later seals go on").exists();
            assertThat(journal.counts().receipts()).isEqualTo(appended);
            hold.release(); // before closing, which waits for the spare held
        } finally {
            hold.release(); // a failed check does not leave the spare's thread held
        }
        assertAllReadBack(all.subList(0, appended));
    }

    /**
     * A segment {@code segments.txt} does not list, whose sidecar holds fewer receipts than the segment (an undone seal's
     * sidecar whose deletion never reached the device, receipts appended after it, then a crash), gets its sidecar made
     * again from the receipts read: the roots cover every receipt.
     */
    @Test
    void anUnlistedSegmentsSidecarIsMadeAgainFromItsReceipts() throws Exception {
        List<UsageReceipt> all = receipts(20);
        int appended;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            appended = appendUntilExists(journal, all, 0, ReceiptJournal.segmentFile(dir, 2));
            appended = appendUntilExists(journal, all, appended, ReceiptJournal.segmentFile(dir, 3));
        }
        Path leaves = ReceiptJournal.leavesFile(dir, 1);
        byte[] one = java.util.Arrays.copyOf(Files.readAllBytes(leaves), 72); // the first receipt's leaf alone
        Files.write(leaves, one);
        List<String> listed = Files.readAllLines(dir.resolve(ReceiptJournal.SEGMENTS));
        Files.write(dir.resolve(ReceiptJournal.SEGMENTS), listed.stream().filter(l -> !l.startsWith("1 ")).toList());
        assertAllReadBack(all.subList(0, appended));
        assertThat(Files.size(leaves)).isGreaterThan(72);
    }

    /**
     * Holds every spare the journal's thread makes, once {@link #on} it, half made (its file there, no zeros yet) until
     * {@link #release}.
     */
    private static final class SpareHold {
        private final java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

        void on(ReceiptJournal journal) {
            journal.beforeSpareFill = () -> {
                holding.countDown();
                try {
                    released.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
        }

        /** Whether a spare is held (waits up to 30 s for one). */
        boolean awaitHeld() throws InterruptedException {
            return holding.await(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        void release() {
            released.countDown();
        }
    }

    /** Makes every seal from now on fail after it made the next segment's file; returns the count of seals refused. */
    private static java.util.concurrent.atomic.AtomicInteger refuseDirectorySyncs(ReceiptJournal journal) {
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        journal.afterNextSegment = () -> {
            refused.incrementAndGet();
            throw new IOException("the directory cannot be synced (test)");
        };
        return refused;
    }

    /** Appends receipts from {@code next} on until {@code file} exists (or all are appended); returns the next index. */
    private static int appendUntilExists(ReceiptJournal journal, List<UsageReceipt> all, int next, Path file) {
        while (!Files.exists(file) && next < all.size()) {
            journal.append(all.get(next++));
        }
        return next;
    }

    /** After reopening, the journal holds exactly {@code receipts}, in order, and their roots. */
    private void assertAllReadBack(List<UsageReceipt> receipts) throws IOException {
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(allReceipts(journal)).containsExactlyElementsOf(receipts);
            assertThat(journal.roots(lease)).isEqualTo(expectedRoots(receipts));
        }
    }

    /**
     * A seal while the next spare is still being made starts an empty segment rather than take the half-made file (whose
     * zeros, still being written, would land over the receipts appended to it); the spare is used once it is ready.
     */
    @Test
    void aSpareStillBeingMadeIsNeverTakenBySeal() throws Exception {
        List<UsageReceipt> all = receipts(60);
        SpareHold hold = new SpareHold();
        int i = 0;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            journal.awaitSpare(); // the one made after opening, not held
            hold.on(journal);
            while (!Files.exists(ReceiptJournal.segmentFile(dir, 2))) { // takes the spare made after opening
                journal.append(all.get(i++));
            }
            assertThat(hold.awaitHeld()).isTrue(); // the next one is half made
            while (!Files.exists(ReceiptJournal.segmentFile(dir, 3))) {
                journal.append(all.get(i++));
            }
            Path third = ReceiptJournal.segmentFile(dir, 3);
            assertThat(dir.resolve(ReceiptJournal.SPARE)).as("the half-made spare, still beside it, not taken").exists();
            journal.append(all.get(i++));
            assertThat(Files.size(third)).isEqualTo(Receipts.written(third).length);
            int inThird = Receipts.lines(third).size();
            hold.release();
            journal.awaitSpare();
            assertThat(Receipts.lines(third)).as("the third segment's receipts, after the spare was made").hasSize(inThird);
            while (!Files.exists(ReceiptJournal.segmentFile(dir, 4))) {
                journal.append(all.get(i++));
            }
            assertThat(Files.size(ReceiptJournal.segmentFile(dir, 4))).as("the spare, once ready").isEqualTo(SMALL.segmentBytes());
        } finally {
            hold.release(); // a failed check does not leave the spare's thread held
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.pending(100)).containsExactlyElementsOf(all.subList(0, i));
        }
    }

    /**
     * Eight writers, a seal every few receipts (group commit, seals and spares made on the journal's thread, all at
     * once): every receipt an append acknowledged is read back after reopening. A load test of the whole; the spare
     * taken half made is the test above's.
     */
    @Test
    void everyAcknowledgedReceiptSurvivesReopeningWithSealsEveryFewReceiptsFromEightWriters() throws Exception {
        List<UsageReceipt> all = receipts(300);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            List<java.util.concurrent.Future<?>> appends = new ArrayList<>();
            for (UsageReceipt r : all) {
                appends.add(pool.submit(() -> journal.append(r)));
            }
            for (java.util.concurrent.Future<?> a : appends) {
                a.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(segmentsOnDisk()).isGreaterThan(20);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(300, 300));
            assertThat(journal.pending(300)).containsExactlyInAnyOrderElementsOf(all);
        }
    }

    /** Unshipped receipts of sealed segments survive reopening and are shipped in journal order; the rest is not read. */
    @Test
    void unshippedReceiptsOfSealedSegmentsArePendingAfterReopening() throws Exception {
        List<UsageReceipt> all = receipts(100);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            all.forEach(journal::append);
            journal.markShipped(ids(all.subList(0, 50)));
            journal.markShipped(ids(all.subList(60, 100)));
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.pending(100)).containsExactlyElementsOf(all.subList(50, 60));
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(100, 10));
            assertThat(journal.linesReadOnOpen()).isLessThan(60);
            journal.markShipped(ids(all.subList(50, 60)));
            journal.append(Receipts.receipt(lease, 100, today));
            journal.markShipped(List.of(journal.pending(1).get(0).invocationId()));
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.pending(100)).isEmpty();
            assertThat(journal.counts().receipts()).isEqualTo(101);
        }
    }

    /**
     * A crash between the sealing steps loses nothing: a sealed segment the checkpoint does not list, or one whose
     * sidecar was never renamed into place, is read whole on opening.
     */
    @Test
    void aCrashBetweenSealingStepsLosesNoReceiptAndNoMark() throws Exception {
        List<UsageReceipt> all = receipts(40);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            all.forEach(journal::append);
            journal.markShipped(ids(all.subList(0, 10)));
        }
        // as if the last seal stopped before its sidecar was renamed into place and before segments.txt listed it
        Path list = dir.resolve(ReceiptJournal.SEGMENTS);
        List<String> lines = Files.readAllLines(list);
        long last = Long.parseLong(lines.get(lines.size() - 1).split(" ")[0]);
        Files.write(list, lines.subList(0, lines.size() - 1));
        Files.delete(ReceiptJournal.leavesFile(dir, last));
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(40, 30));
            assertThat(journal.pending(100)).containsExactlyElementsOf(all.subList(10, 40));
            assertThat(journal.roots(lease)).isEqualTo(expectedRoots(all));
        }
        assertThat(ReceiptJournal.leavesFile(dir, last)).exists();
    }

    /** Segments whose receipts were all shipped are deleted once older than the limit; unshipped ones never are. */
    @Test
    void shippedSegmentsOlderThanTheLimitAreDeletedAndUnshippedOnesKept() throws Exception {
        Instant longAgo = today.minus(Duration.ofDays(30));
        List<UsageReceipt> old = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            old.add(Receipts.receipt(lease, i, longAgo));
        }
        long before;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            old.forEach(journal::append);
            journal.markShipped(ids(old.subList(0, 30)));
            before = segmentsOnDisk();
        }
        assertThat(segmentsOnDisk()).isLessThan(before);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.pending(100)).containsExactlyElementsOf(old.subList(30, 40));
            assertThat(journal.counts().receipts()).isLessThan(40).isGreaterThanOrEqualTo(10);
            assertThat(journal.contains(old.get(0).invocationId())).as("a month-old shipped id is forgotten").isFalse();
            assertThat(journal.contains(old.get(35).invocationId())).isTrue();
        }
    }

    /**
     * With anti-entropy on, an old shipped segment leaves the disk only once billing was found to hold its days exactly
     * as the journal does; a settlement survives reopening, and a receipt arriving for a settled day unsettles it.
     */
    @Test
    void withAntiEntropyOldSegmentsLeaveTheDiskOnlyOnceBillingSettledTheirDays() throws Exception {
        Instant longAgo = today.minus(Duration.ofDays(30));
        List<UsageReceipt> old = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            old.add(Receipts.receipt(lease, i, longAgo));
        }
        LocalDate day = LocalDate.ofInstant(old.get(0).endedAt(), ZoneOffset.UTC);
        ReceiptJournal.Limits settling = new ReceiptJournal.Limits(SMALL.segmentBytes(), 0, SMALL.keep(), true);
        long before;
        try (ReceiptJournal journal = ReceiptJournal.open(dir, settling)) {
            old.forEach(journal::append);
            journal.markShipped(ids(old));
            before = segmentsOnDisk();
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir, settling)) {
            journal.append(Receipts.receipt(lease, 0, today)); // a seal or a close is when segments leave
        }
        assertThat(segmentsOnDisk()).as("not settled: kept").isEqualTo(before + 0);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, settling)) {
            journal.settled(lease, day, "0x" + "ab".repeat(32));
            assertThat(journal.isSettled(lease, day)).as("not the journal's root").isFalse();
            journal.settled(lease, day, journal.root(lease, day).merkleRoot());
            assertThat(journal.isSettled(lease, day)).isTrue();
        }
        assertThat(segmentsOnDisk()).isLessThan(before);
        try (ReceiptJournal journal = ReceiptJournal.open(dir, settling)) {
            assertThat(journal.contains(old.get(0).invocationId())).isFalse();
        }
    }

    /** Journals of earlier versions (one receipts.jsonl) are read as their first segment. */
    @Test
    void aSingleFileJournalOfEarlierVersionsBecomesTheFirstSegment() throws Exception {
        List<UsageReceipt> all = receipts(3);
        StringBuilder lines = new StringBuilder();
        for (UsageReceipt r : all) {
            lines.append(JsonCodec.write(r)).append('\n');
        }
        Files.writeString(dir.resolve("receipts.jsonl"), lines);
        Files.writeString(dir.resolve(ReceiptJournal.SHIPPED), all.get(0).invocationId() + "\n");
        try (ReceiptJournal journal = ReceiptJournal.open(dir, SMALL)) {
            assertThat(journal.pending(10)).containsExactlyElementsOf(all.subList(1, 3));
        }
        assertThat(dir.resolve("receipts.jsonl")).doesNotExist();
    }

    /**
     * A full disk, for real (a tmpfs of 1 MiB): the journal says it has no room before it is full, a line the device
     * refuses throws and leaves no trace, and once space is back appends go on; reopening finds exactly the receipts
     * that were journaled.
     */
    @Test
    void aFullDiskIsRefusedAndLeavesTheJournalWhole() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "root, to mount a small tmpfs");
        Path mount = Files.createDirectories(dir.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()) == 0, "tmpfs can be mounted");
        try {
            Path journalDir = mount.resolve("journal");
            ReceiptJournal.Limits limits = new ReceiptJournal.Limits(8L << 20, 256 * 1024, Duration.ofDays(7));
            List<UsageReceipt> journaled = new ArrayList<>();
            Path filler = mount.resolve("filler");
            try (ReceiptJournal journal = ReceiptJournal.open(journalDir, limits)) {
                // the spare next segment, made after opening, takes the whole tmpfs until its zeros are refused and it
                // is deleted: space measured or appended to meanwhile is not what it will be
                journal.awaitSpare();
                assertThat(journal.hasRoom()).isTrue();
                UsageReceipt first = Receipts.receipt(lease, 0, today);
                journal.append(first);
                journaled.add(first);
                // fill every free block; the segment's last block still has room for a line or two
                long free = Files.getFileStore(mount).getUsableSpace();
                Files.write(filler, new byte[(int) free], StandardOpenOption.CREATE_NEW);
                assertThat(journal.hasRoom()).isFalse();
                UsageReceipt refused = null;
                for (int i = 1; i < 100 && refused == null; i++) {
                    UsageReceipt r = Receipts.receipt(lease, i, today);
                    long size = Files.size(ReceiptJournal.segmentFile(journalDir, 1));
                    try {
                        journal.append(r);
                        journaled.add(r);
                    } catch (ReceiptJournal.JournalFullException e) {
                        refused = r;
                        assertThat(Files.size(ReceiptJournal.segmentFile(journalDir, 1))).as("no part of it kept").isEqualTo(size);
                    }
                }
                assertThat(refused).as("the device refused a line").isNotNull();
                assertThat(journal.contains(refused.invocationId())).isFalse();
                assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(journaled.size(), journaled.size()));

                Files.delete(filler);
                assertThat(journal.hasRoom()).isTrue();
                UsageReceipt later = Receipts.receipt(lease, 2, today);
                journal.append(later);
                journaled.add(later);
            }
            try (ReceiptJournal journal = ReceiptJournal.open(journalDir, limits)) {
                assertThat(journal.pending(10)).containsExactlyElementsOf(journaled);
            }
        } finally {
            run("umount", mount.toString());
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @SuppressWarnings("unused")
    private static String text(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
