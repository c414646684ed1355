package cloud.agora.agent.journal;

import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The agent's durable record of every usage receipt it issued, on local disk: nothing the agent answered is lost when
 * billing, Kafka or the agent itself goes down.
 *
 * <p><b>Files.</b> Receipts are appended as JSON lines to the active segment {@code segment-<seq>.jsonl}, each line
 * forced to the device ({@code fdatasync}) before the call returns; {@code shipped.jsonl} lists the invocation ids billing
 * acknowledged (appended and forced after the acknowledgement). Pending = receipts − shipped, so a crash between shipping
 * and marking re-ships a receipt with the same id (billing dedupes by id), and a crash before shipping loses nothing. A
 * torn last line (crash mid-write) is cut off on open; a write the device refused (disk full) is cut off at once.
 *
 * <p><b>Segments.</b> Once the active segment holds {@link Limits#segmentBytes()} it is sealed: its leaves go to a
 * sidecar {@code segment-<seq>.leaves} (per receipt its lease, invocation id, end and hash: 72 bytes), a new active
 * segment starts, {@code unshipped.txt} (the sealed segments still holding unshipped receipts) is rewritten if it changed,
 * and a line describing the segment (its receipts per lease and UTC day) is appended to {@code segments.txt}. Opening
 * reads those two lists, the active segment, the sealed segments listed as unshipped and {@code shipped.jsonl}
 * (rewritten, with the marks still needed, at a seal after something was shipped) — never the shipped history — so it takes the same time after
 * ten receipts as after ten million. A segment whose receipts were all shipped leaves memory at the seal after (only
 * ids that ended in the last {@link #RECENT} stay, so a replayed invocation id is still recognised; {@code
 * InvocationClaims} keeps them longer while a grant can be presented); it is deleted with its sidecar once its newest
 * receipt is older than {@link Limits#keep()}. A (lease, day)'s Merkle root and leaves come from the sidecars that hold
 * that day plus the active segment.
 *
 * <p><b>Preallocation.</b> A segment's file is written full of zeros to {@link Limits#segmentBytes()} (at most {@link
 * #PREALLOCATE_AT_MOST}) and forced, with its metadata, before its first receipt: a line then overwrites blocks the
 * file already has, so its {@code fdatasync} flushes the data alone — appending to a growing file makes every sync
 * commit the file's new size through the file system's journal as well (on ext4 here: 56–68 against 87–111 µs of CPU
 * and 0.13–0.15 against 0.19–0.20 ms per line, provider-agent README, "Journal sync cost"). The next segment's file is
 * made ahead ({@code segment.spare}, by the journal's own thread after opening and after each seal) and renamed into
 * place at the seal; it is only made when there is none and only renamed once ready, and closing waits for one being
 * made. A seal that finds none ready starts an empty file, which grows as before. Reading stops at a segment's first
 * zero byte; opening writes zeros again over anything after the last complete line before it (a torn line, or a later
 * line that reached the device while an earlier one did not — neither was ever synced, so neither was answered), so
 * lines written after a crash read back exactly as written. A device that refuses the zeros leaves the segment
 * growing as before.
 *
 * <p><b>Group commit.</b> Concurrent calls' receipts share one {@code fdatasync}: {@link #append} writes its line, then
 * waits for a sync that started after its write. One caller at a time syncs (the others queue behind it); the one that
 * gets to sync covers every line written before it started, so callers that queued meanwhile find their line already
 * covered and return without a sync of their own. Each caller still returns only once its own line is on the device, and
 * a receipt becomes visible to {@link #get}, {@link #pending}, {@link #counts} and the roots only then (the shipper never
 * sends a receipt that a crash could still take back). A lone call costs one write and one sync.
 *
 * <p><b>Full disk.</b> {@link #hasRoom()} is false while the journal's file system has less than
 * {@link Limits#minFreeBytes()} free: the agent admits no call then, rather than run one it might not be able to bill.
 * An append the device refuses all the same throws {@link JournalFullException} and leaves the journal as before it.
 *
 * <p>Thread-safe: one lock serialises writes and the views, another the syncs.
 */

public final class ReceiptJournal implements AutoCloseable {

    /** How long the ids of receipts that left memory are still recognised by {@link #contains}. */
    static final Duration RECENT = Duration.ofMinutes(5);
    static final String SEGMENTS = "segments.txt";
    /** The next segment's file, zero-filled ahead of the seal that renames it into place. */
    static final String SPARE = "segment.spare";
    static final String UNSHIPPED = "unshipped.txt";
    static final String SETTLED = "settled.txt";
    static final String SHIPPED = "shipped.jsonl";
    private static final String LEGACY = "receipts.jsonl";
    private static final int LEAF_BYTES = 16 + 16 + 8 + 32;

    /**
     * The journal's sizes.
     *
     * @param segmentBytes a segment is sealed once it holds this many bytes
     * @param minFreeBytes below this much free space on the journal's file system no call is admitted
     * @param keep         a sealed segment whose receipts were all shipped is deleted once its newest one is this old
     * @param settleFirst  and, when true (anti-entropy runs), only once billing was found to hold each of its days exactly
     *                     as the journal does ({@link #settled}), so nothing billing might lack is deleted
     */
    public record Limits(long segmentBytes, long minFreeBytes, Duration keep, boolean settleFirst) {
        /** 1 MiB segments (about 900 receipts: what opening reads), 64 MiB kept free, a week kept, no settling. */
        public static final Limits DEFAULT = new Limits(1L << 20, 64L << 20, Duration.ofDays(7), false);

        public Limits(long segmentBytes, long minFreeBytes, Duration keep) {
            this(segmentBytes, minFreeBytes, keep, false);
        }
    }

    private final Path dir;
    private final DeviceSync sync;
    private final Limits limits;
    private final FileStore store;
    /** Serialises the syncs of the active segment: one at a time, the others wait here and are usually covered by it. */
    private final Object syncing = new Object();
    /** Receipts written and not yet covered by a finished sync, in write order, with their line's number ({@link #written}). */
    private final List<Written> unsynced = new ArrayList<>();
    /** Lines written by this instance (guarded by this). */
    private long written;
    /** Lines of this instance known to be on the device (guarded by {@link #syncing}). */
    private long synced;
    private FileChannel active;
    private long activeSeq;
    private long activeBytes;
    /** The active segment's receipts on the device, in order. */
    private final List<UsageReceipt> activeReceipts = new ArrayList<>();
    private final Map<LeaseDay, List<byte[]>> activeLeaves = new HashMap<>();
    private FileChannel shipped;
    /** {@code segments.txt}: a line per sealed segment, appended at each seal. */
    private FileChannel segmentList;
    /** The sealed segments {@code unshipped.txt} lists now. */
    private Set<Long> unshippedWritten = Set.of();
    /** Sealed segments by sequence number. */
    private final TreeMap<Long, Segment> sealed = new TreeMap<>();
    /** Receipts of the active segment and of sealed segments that held unshipped ones, in journal order. */
    private final LinkedHashMap<UUID, Live> live = new LinkedHashMap<>();
    private long unshippedCount;
    /**
     * Whether a receipt was marked shipped, or a segment sealed fully shipped, since {@link #maintain} last went through
     * the receipts in memory: without it, sealing costs nothing per receipt held (billing unreachable for hours leaves
     * every receipt since in memory, and a seal happens on a call's path, under the journal's lock).
     */
    private boolean shippedChanged = true;
    /** Ids of receipts that left memory and ended within {@link #RECENT}, with their end (epoch ms). */
    private final Map<UUID, Long> recent = new HashMap<>();
    /**
     * Sealed leaves of a (lease, day) of today or yesterday (UTC: days that still grow), read from the sidecars when
     * first asked for and extended at each seal; older days' leaves are read again when asked for.
     */
    private final Map<LeaseDay, List<byte[]>> sealedLeaves = new HashMap<>();
    /** Roots computed, until a receipt of their (lease, day) is published or a segment leaves. */
    private final Map<LeaseDay, PeriodRoot> rootCache = new HashMap<>();
    /** The (lease, day)s billing was found to hold exactly as the journal does ({@code settled.txt}). */
    private final Set<LeaseDay> settled = new HashSet<>();
    /** Whether a day was unsettled since {@code settled.txt} was written (it is rewritten at the next seal). */
    private boolean unsettled;
    /** Lines parsed by {@link #open} (what opening cost). */
    private long linesRead;
    /** Guards {@link #spare} and the spare file's rename. */
    private final Object spareLock = new Object();
    /** Set by {@link #close}: no spare is started after it. */
    private volatile boolean closing;
    /** Run when a spare's file exists and before its zeros are written (tests hold a spare half made with it). */
    volatile Runnable beforeSpareFill = () -> { };
    /**
     * Run in a seal after the next segment's file is made and before the directory is synced (tests: a step that fails
     * there, as opening a file does when the process is out of descriptors).
     */
    volatile SealStep afterNextSegment = () -> { };
    /** A next segment's file an undone seal could not delete (guarded by {@code syncing}, as seals are). */
    private Path unmade;

    /** A step of a seal that may fail. */
    interface SealStep {
        void run() throws IOException;
    }
    /** Where {@link #SPARE} stands: only made from NONE, only renamed into place from READY (guarded by spareLock). */
    private SpareState spare = SpareState.NONE;
    /** Makes the spare after a seal, off the calls' threads; stopped (and waited for) by {@link #close}. */
    private final ExecutorService spareMaker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "receipt-journal-spare");
        t.setDaemon(true);
        return t;
    });

    /** {@link #SPARE}: absent (or left over, to be made again), being made, or zero-filled and on the device. */
    private enum SpareState { NONE, PREPARING, READY }

    /** The most of a segment written with zeros ahead: a larger {@link Limits#segmentBytes()} grows past it as before. */
    static final long PREALLOCATE_AT_MOST = 64L << 20;

    private ReceiptJournal(Path dir, DeviceSync sync, Limits limits) throws IOException {
        this.dir = dir;
        this.sync = sync;
        this.limits = limits;
        this.store = Files.getFileStore(dir);
    }

    /** How a log file's written bytes are made durable: {@code fdatasync} ({@link FileChannel#force force(false)}). */
    @FunctionalInterface
    interface DeviceSync {
        DeviceSync FDATASYNC = channel -> channel.force(false);

        void force(FileChannel channel) throws IOException;
    }

    /** Thrown when the device refused a receipt's line (no space left): nothing of it was kept. */
    public static final class JournalFullException extends RuntimeException {
        JournalFullException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A receipt's line written to the file, waiting for the sync that covers it. */
    private record Written(long line, UsageReceipt receipt) {
    }

    /** A lease and the UTC day its receipts ended on. */
    record LeaseDay(UUID lease, LocalDate day) {
        static LeaseDay of(UsageReceipt r) {
            return new LeaseDay(r.leaseId(), r.endedAt().atZone(ZoneOffset.UTC).toLocalDate());
        }
    }

    /** A receipt in memory, the segment that holds it and whether billing acknowledged it. */
    private static final class Live {
        final UsageReceipt receipt;
        final long seq;
        boolean shipped;

        Live(UsageReceipt receipt, long seq) {
            this.receipt = receipt;
            this.seq = seq;
        }
    }

    /** How many receipts of a lease ended on a day, in one segment. */
    record LeaseDayCount(UUID lease, LocalDate day, int receipts) {
    }

    /**
     * A sealed segment as {@code segments.txt} and {@code unshipped.txt} record it.
     *
     * @param unshipped whether it holds receipts not shipped (as last recorded, opening reads it then)
     * @param lastEndedAt the newest end of its receipts, epoch ms
     */
    record Segment(long seq, int receipts, long lastEndedAt, boolean unshipped, List<LeaseDayCount> leaseDays) {
        boolean holds(LeaseDay key) {
            return leaseDays.stream().anyMatch(c -> c.lease().equals(key.lease()) && c.day().equals(key.day()));
        }

        Segment shippedAll() {
            return new Segment(seq, receipts, lastEndedAt, false, leaseDays);
        }
    }

    /**
     * A sealed segment's line in {@code segments.txt}: {@code seq receipts lastEndedAt} then {@code lease/day/count} per
     * lease and day — plain text, so that reading thousands of them takes milliseconds in a JVM that just started.
     */
    static String line(Segment s) {
        StringBuilder out = new StringBuilder().append(s.seq()).append(' ').append(s.receipts()).append(' ')
                .append(s.lastEndedAt());
        for (LeaseDayCount c : s.leaseDays()) {
            out.append(' ').append(c.lease()).append('/').append(c.day()).append('/').append(c.receipts());
        }
        return out.append('\n').toString();
    }

    /** The segment of a {@link #line}, with its unshipped flag. */
    static Segment parse(String line, boolean unshipped) {
        String[] f = line.split(" ");
        List<LeaseDayCount> leaseDays = new ArrayList<>();
        for (int i = 3; i < f.length; i++) {
            String[] c = f[i].split("/");
            leaseDays.add(new LeaseDayCount(UUID.fromString(c[0]), LocalDate.parse(c[1]), Integer.parseInt(c[2])));
        }
        return new Segment(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]), unshipped, List.copyOf(leaseDays));
    }

    /** Opens (or creates) the journal in {@code dir} with the default limits and reads it back. */
    public static ReceiptJournal open(Path dir) throws IOException {
        return open(dir, DeviceSync.FDATASYNC, Limits.DEFAULT);
    }

    /** Opens (or creates) the journal in {@code dir} and reads it back. */
    public static ReceiptJournal open(Path dir, Limits limits) throws IOException {
        return open(dir, DeviceSync.FDATASYNC, limits);
    }

    /** As {@link #open(Path)}, with the sync given (tests observe when each sync starts and ends). */
    static ReceiptJournal open(Path dir, DeviceSync sync) throws IOException {
        return open(dir, sync, Limits.DEFAULT);
    }

    static ReceiptJournal open(Path dir, DeviceSync sync, Limits limits) throws IOException {
        Files.createDirectories(dir);
        ReceiptJournal journal = new ReceiptJournal(dir, sync, limits);
        journal.load(Instant.now());
        return journal;
    }

    /** The file of segment {@code seq}. */
    static Path segmentFile(Path dir, long seq) {
        return dir.resolve(String.format("segment-%016d.jsonl", seq));
    }

    static Path leavesFile(Path dir, long seq) {
        return dir.resolve(String.format("segment-%016d.leaves", seq));
    }

    private void load(Instant now) throws IOException {
        Path legacy = dir.resolve(LEGACY);
        TreeSet<Long> files = segmentsOnDisk();
        if (files.isEmpty() && Files.exists(legacy)) { // the single file of earlier versions becomes the first segment
            Files.move(legacy, segmentFile(dir, 1), StandardCopyOption.ATOMIC_MOVE);
            syncDirectory();
            files.add(1L);
        }
        Set<Long> unshippedSeqs = new HashSet<>();
        if (Files.exists(dir.resolve(UNSHIPPED))) {
            for (String seq : Files.readString(dir.resolve(UNSHIPPED), StandardCharsets.US_ASCII).split("\\s+")) {
                if (!seq.isBlank()) {
                    unshippedSeqs.add(Long.parseLong(seq));
                }
            }
        }
        segmentList = FileChannel.open(dir.resolve(SEGMENTS), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        for (String line : readLines(segmentList)) {
            Segment s = parse(line, false);
            sealed.put(s.seq(), unshippedSeqs.contains(s.seq()) ? parse(line, true) : s);
        }
        // the active segment is the newest file without a sidecar; if the newest has one, a new segment starts
        long newest = Math.max(files.isEmpty() ? 0 : files.last(), sealed.isEmpty() ? 0 : sealed.lastKey());
        activeSeq = !files.isEmpty() && files.last() == newest && !Files.exists(leavesFile(dir, newest)) ? newest : newest + 1;
        for (long seq : files) {
            if (seq == activeSeq) {
                break;
            }
            Segment known = sealed.get(seq);
            if (known == null || known.unshipped()) {
                // sealed with unshipped receipts, or sealed by a run that stopped before recording it
                List<UsageReceipt> receipts = new ArrayList<>();
                try (FileChannel channel = FileChannel.open(segmentFile(dir, seq), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    for (String line : readLines(channel)) {
                        receipts.add(JsonCodec.read(line, UsageReceipt.class));
                    }
                }
                if (known == null || !Files.exists(leavesFile(dir, seq))) {
                    // unlisted, its sidecar may be one an undone seal deleted without the deletion reaching the device,
                    // written before receipts that followed: made again from the receipts read
                    writeLeaves(seq, receipts);
                }
                if (known == null) {
                    Segment found = describe(seq, receipts, true);
                    sealed.put(seq, found);
                    writeUnshipped();
                    appendSegment(found);
                }
                receipts.forEach(r -> remember(r, seq));
            }
        }
        active = FileChannel.open(segmentFile(dir, activeSeq), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (active.size() == 0) {
            zeroFill(active);
        }
        syncDirectory();
        for (String line : readLines(active)) {
            UsageReceipt receipt = JsonCodec.read(line, UsageReceipt.class);
            remember(receipt, activeSeq);
            activeReceipts.add(receipt);
            activeLeaves.computeIfAbsent(LeaseDay.of(receipt), k -> new ArrayList<>()).add(receipt.hash());
        }
        activeBytes = active.position();
        if (Files.exists(dir.resolve(SETTLED))) {
            for (String line : Files.readAllLines(dir.resolve(SETTLED), StandardCharsets.US_ASCII)) {
                String[] f = line.split(" ");
                if (f.length == 2) { // a torn last line is a settlement not recorded: it is found again
                    try {
                        settled.add(new LeaseDay(UUID.fromString(f[0]), LocalDate.parse(f[1])));
                    } catch (RuntimeException e) {
                        // the same
                    }
                }
            }
        }
        shipped = FileChannel.open(dir.resolve(SHIPPED), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        for (String line : readLines(shipped)) {
            Live entry = live.get(UUID.fromString(line));
            if (entry != null && !entry.shipped) {
                entry.shipped = true;
                unshippedCount--;
            }
        }
        for (Segment s : sealed.values()) {
            if (!s.unshipped() && s.lastEndedAt() > now.minus(RECENT).toEpochMilli()) {
                readLeaves(s.seq(), (lease, invocation, endedAt, hash) -> recent.put(invocation, endedAt));
            }
        }
        maintain(now);
        askForSpare();
    }

    private TreeSet<Long> segmentsOnDisk() throws IOException {
        TreeSet<Long> seqs = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("segment-") && n.endsWith(".jsonl"))
                    .forEach(n -> seqs.add(Long.parseLong(n.substring("segment-".length(), n.length() - ".jsonl".length()))));
        }
        return seqs;
    }

    private void remember(UsageReceipt receipt, long seq) {
        if (live.putIfAbsent(receipt.invocationId(), new Live(receipt, seq)) == null) {
            unshippedCount++;
        }
        linesRead++;
    }

    /** Lines parsed when this instance was opened: the segments it had to read, not the journal's history. */
    long linesReadOnOpen() {
        return linesRead;
    }

    /**
     * Appends a receipt and returns once it is on the device (its own sync, or one it shares with concurrent appends);
     * a receipt already journaled or being journaled (same id) is not written twice, and this call too returns only once
     * that one is on the device.
     *
     * @throws JournalFullException when the device refused the line (nothing of it is kept)
     */
    public void append(UsageReceipt receipt) {
        byte[] line = (JsonCodec.write(receipt) + "\n").getBytes(StandardCharsets.UTF_8);
        long mine;
        synchronized (this) {
            if (live.containsKey(receipt.invocationId()) || recent.containsKey(receipt.invocationId())) {
                return;
            }
            Written earlier = unsyncedOf(receipt.invocationId());
            if (earlier != null) {
                mine = earlier.line();
            } else {
                writeFully(active, line);
                activeBytes += line.length;
                mine = ++written;
                unsynced.add(new Written(mine, receipt));
            }
        }
        awaitSynced(mine);
    }

    /**
     * Returns once line {@code line} of this instance is on the device: the first caller to get here syncs every line
     * written so far; callers that waited meanwhile are usually covered by that sync and return without one. The caller
     * whose sync leaves the active segment full seals it.
     */
    private void awaitSynced(long line) {
        boolean sealed = false;
        synchronized (syncing) {
            if (synced >= line) {
                return; // covered by a sync that started after this line was written
            }
            long upTo;
            FileChannel channel;
            synchronized (this) {
                upTo = written; // every line written before the sync starts is covered by it
                channel = active;
            }
            force(channel);
            synced = upTo;
            synchronized (this) {
                publish(upTo);
                if (activeBytes >= limits.segmentBytes()) {
                    force(active); // lines written since the sync above
                    synced = written;
                    publish(written);
                    sealed = seal(Instant.now());
                }
            }
        }
        if (sealed) {
            askForSpare();
        }
    }

    /** Has the journal's thread make the next segment's file (off the calling thread: an opening, a call that sealed). */
    private void askForSpare() {
        try {
            spareMaker.execute(this::prepareSpare);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile: the next opening makes it
        }
    }

    /** Makes the receipts of lines up to {@code upTo}, now on the device, visible. */
    private void publish(long upTo) {
        while (!unsynced.isEmpty() && unsynced.get(0).line() <= upTo) {
            UsageReceipt receipt = unsynced.remove(0).receipt();
            live.put(receipt.invocationId(), new Live(receipt, activeSeq));
            unshippedCount++;
            activeReceipts.add(receipt);
            LeaseDay key = LeaseDay.of(receipt);
            activeLeaves.computeIfAbsent(key, k -> new ArrayList<>()).add(receipt.hash());
            rootCache.remove(key);
            if (settled.remove(key)) {
                unsettled = true;
            }
        }
    }

    /**
     * Seals the active segment (all of it on the device): its sidecar, a new active segment, {@code unshipped.txt}, then
     * its line in {@code segments.txt}. A crash between these steps is repaired by {@link #open}: a segment with a sidecar
     * is sealed, one {@code segments.txt} does not list is read whole.
     */
    private boolean seal(Instant now) {
        long seq = activeSeq;
        NextSegment next = null;
        try {
            writeLeaves(seq, activeReceipts);
            next = nextSegment(seq + 1);
            afterNextSegment.run();
            syncDirectory();
        } catch (IOException e) {
            undoSeal(seq, next);
            return false; // stays active, sealed on a later append
        }
        FileChannel full = active;
        active = next.channel();
        try {
            full.close(); // all of it is on the device
        } catch (IOException ignored) {
            // closed anyway
        }
        boolean unshipped = activeReceipts.stream().anyMatch(r -> !live.get(r.invocationId()).shipped);
        Segment done = describe(seq, activeReceipts, unshipped);
        shippedChanged |= !unshipped;
        sealed.put(seq, done);
        try {
            writeUnshipped(); // before the segment is listed: a listed segment that is not in it is never read again
            appendSegment(done);
        } catch (IOException e) {
            // not listed: opening reads it whole
        }
        activeLeaves.forEach((key, leaves) -> {
            List<byte[]> known = sealedLeaves.get(key);
            if (known != null) {
                known.addAll(leaves);
            }
        });
        activeSeq = seq + 1;
        activeBytes = 0;
        activeReceipts.clear();
        activeLeaves.clear();
        maintain(now);
        return true;
    }

    /**
     * Undoes a seal that failed before the directory was synced, so that a later seal starts from the same state: the
     * sealed segment's sidecar goes, and the next segment's file this seal made (no receipt was written to it) goes back
     * to being the spare, or is deleted. Left in place, that file would make every later seal fail until a restart.
     */
    private void undoSeal(long seq, NextSegment next) {
        try {
            Files.deleteIfExists(leavesFile(dir, seq));
        } catch (IOException ignored) {
            // a sidecar of a segment segments.txt does not list is made again when opening reads it
        }
        if (next != null) {
            try {
                next.channel().close();
            } catch (IOException ignored) {
                // closed anyway
            }
            unmake(next.file(), next.fromSpare());
        }
    }

    /**
     * Takes back a next segment's file no receipt was written to: a spare's goes back to being the spare (when no new
     * one is being made meanwhile), anything else is deleted. A file that cannot be deleted is remembered, and the next
     * seal deletes it before anything else (failing, and so trying again, until it can).
     */
    private void unmake(Path file, boolean fromSpare) {
        synchronized (spareLock) { // a seal holds the journal's lock, so close() cannot have begun
            if (fromSpare && spare == SpareState.NONE) {
                try {
                    Files.move(file, dir.resolve(SPARE), StandardCopyOption.ATOMIC_MOVE);
                    spare = SpareState.READY;
                    return;
                } catch (IOException e) {
                    // deleted below
                }
            }
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            unmade = file; // the next seal deletes it first
        }
    }

    /** A new segment's open file, and whether it was the spare. */
    private record NextSegment(Path file, FileChannel channel, boolean fromSpare) {
    }

    /**
     * Segment {@code seq}'s file, new: the spare if one is ready (its zeros already on the device), else an empty file.
     * A renamed spare that cannot be opened is taken back ({@link #unmake}). The check that no such file exists before
     * the rename holds because only this journal, in one process, makes segment files.
     */
    private NextSegment nextSegment(long seq) throws IOException {
        if (unmade != null) {
            Files.deleteIfExists(unmade);
            unmade = null;
        }
        Path file = segmentFile(dir, seq);
        synchronized (spareLock) {
            if (spare == SpareState.READY) {
                spare = SpareState.NONE; // whatever happens next, this spare is not used twice
                if (Files.exists(file)) {
                    throw new java.nio.file.FileAlreadyExistsException(file.toString());
                }
                Files.move(dir.resolve(SPARE), file, StandardCopyOption.ATOMIC_MOVE);
                try {
                    return new NextSegment(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE),
                            true);
                } catch (IOException e) {
                    unmake(file, true);
                    throw e;
                }
            }
        }
        return new NextSegment(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), false);
    }

    /**
     * Makes {@link #SPARE} if there is none (not while one is being made or ready): written full of zeros and forced. Runs
     * on the journal's own thread ({@link #askForSpare}).
     * A device that refuses it leaves none (the next segment grows as it is written), to be tried at the next seal.
     */
    private void prepareSpare() {
        synchronized (spareLock) {
            if (spare != SpareState.NONE || closing) {
                return;
            }
            spare = SpareState.PREPARING;
        }
        Path file = dir.resolve(SPARE);
        boolean filled = false;
        try {
            Files.deleteIfExists(file); // left by a run that stopped, or by a failed try
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                beforeSpareFill.run();
                filled = zeroFill(channel);
            }
        } catch (IOException e) {
            // no spare: the next segment grows as it is written
        } finally {
            if (!filled) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // made again before it is used
                }
            }
            synchronized (spareLock) {
                spare = filled ? SpareState.READY : SpareState.NONE;
            }
        }
    }

    /** Waits until no spare is being made (for tests: the spare a seal asked for is ready, or failed). */
    void awaitSpare() throws Exception {
        spareMaker.submit(() -> { }).get(30, TimeUnit.SECONDS);
    }

    /**
     * Writes zeros over an empty file up to a segment's size (at most {@link #PREALLOCATE_AT_MOST}) and forces them
     * with the file's metadata; on a refusal cuts the file back to empty and returns false. Forced directly, not through
     * the journal's {@link DeviceSync} (which stands for the syncs of receipts).
     */
    private boolean zeroFill(FileChannel channel) {
        try {
            writeZeros(channel, 0, Math.min(limits.segmentBytes(), PREALLOCATE_AT_MOST));
            channel.force(true);
            return true;
        } catch (IOException e) {
            try {
                channel.truncate(0);
            } catch (IOException again) {
                // an empty file or a longer one: reading stops at the first zero either way
            }
            return false;
        }
    }

    /**
     * Lets sealed segments whose receipts were all shipped leave memory, deletes those older than {@link Limits#keep()},
     * records which sealed segments still hold unshipped receipts and rewrites {@code shipped.jsonl} with the marks of
     * receipts still in memory — the first and the last only when something was shipped since ({@link #shippedChanged}).
     */
    private void maintain(Instant now) {
        long recentFrom = now.minus(RECENT).toEpochMilli();
        recent.values().removeIf(endedAt -> endedAt < recentFrom);
        boolean shipping = shippedChanged;
        if (shipping) {
            leaveMemory(recentFrom);
        }
        long keepFrom = now.minus(limits.keep()).toEpochMilli();
        Set<Long> expired = sealed.values().stream().filter(s -> !s.unshipped() && s.lastEndedAt() < keepFrom)
                .filter(s -> !limits.settleFirst() || s.leaseDays().stream().allMatch(c -> settled.contains(new LeaseDay(c.lease(), c.day()))))
                .map(Segment::seq).collect(Collectors.toSet());
        try {
            writeUnshipped();
            if (!expired.isEmpty()) {
                StringBuilder kept = new StringBuilder();
                sealed.values().stream().filter(s -> !expired.contains(s.seq())).forEach(s -> kept.append(line(s)));
                writeAtomically(dir.resolve(SEGMENTS), kept.toString().getBytes(StandardCharsets.UTF_8));
                segmentList.close();
                segmentList = FileChannel.open(dir.resolve(SEGMENTS), StandardOpenOption.READ, StandardOpenOption.WRITE);
                segmentList.position(segmentList.size());
            }
            if (unsettled || (!expired.isEmpty() && !settled.isEmpty())) { // unsettled days and those no longer kept
                Set<LeaseDay> still = new HashSet<>();
                sealed.values().stream().filter(s -> !expired.contains(s.seq()))
                        .forEach(s -> s.leaseDays().forEach(c -> still.add(new LeaseDay(c.lease(), c.day()))));
                activeLeaves.keySet().forEach(still::add);
                settled.retainAll(still);
                unsettled = false;
                {
                    StringBuilder text = new StringBuilder();
                    settled.forEach(k -> text.append(k.lease()).append(' ').append(k.day()).append('\n'));
                    writeAtomically(dir.resolve(SETTLED), text.toString().getBytes(StandardCharsets.US_ASCII));
                }
            }
            for (long seq : expired) {
                sealed.remove(seq);
                Files.deleteIfExists(segmentFile(dir, seq));
                Files.deleteIfExists(leavesFile(dir, seq));
            }
            if (!expired.isEmpty()) {
                sealedLeaves.clear();
                rootCache.clear();
            }
            LocalDate yesterday = LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(1);
            sealedLeaves.keySet().removeIf(k -> k.day().isBefore(yesterday));
            if (shipping) { // else the receipts in memory marked shipped are those the list holds already
                StringBuilder marks = new StringBuilder();
                for (Live entry : live.values()) {
                    if (entry.shipped) {
                        marks.append(entry.receipt.invocationId()).append('\n');
                    }
                }
                writeAtomically(dir.resolve(SHIPPED), marks.toString().getBytes(StandardCharsets.UTF_8));
                shipped.close();
                shipped = FileChannel.open(dir.resolve(SHIPPED), StandardOpenOption.READ, StandardOpenOption.WRITE);
                shipped.position(shipped.size());
                shippedChanged = false;
            }
        } catch (IOException e) {
            // the previous lists and marks stay in force: opening reads a little more
        }
    }

    /** Marks sealed segments whose receipts were all shipped, and lets their receipts leave memory. */
    private void leaveMemory(long recentFrom) {
        Map<Long, Boolean> allShipped = new HashMap<>();
        for (Live entry : live.values()) {
            if (entry.seq != activeSeq) {
                allShipped.merge(entry.seq, entry.shipped, Boolean::logicalAnd);
            }
        }
        allShipped.forEach((seq, all) -> {
            if (all) {
                sealed.computeIfPresent(seq, (k, s) -> s.shippedAll());
            }
        });
        Iterator<Live> it = live.values().iterator();
        while (it.hasNext()) {
            Live entry = it.next();
            if (entry.seq != activeSeq && !sealed.get(entry.seq).unshipped()) {
                if (entry.receipt.endedAt().toEpochMilli() >= recentFrom) {
                    recent.put(entry.receipt.invocationId(), entry.receipt.endedAt().toEpochMilli());
                }
                it.remove();
            }
        }
    }

    /** Rewrites {@code unshipped.txt} when the set of sealed segments holding unshipped receipts changed. */
    private void writeUnshipped() throws IOException {
        Set<Long> now = new TreeSet<>();
        sealed.values().stream().filter(Segment::unshipped).forEach(s -> now.add(s.seq()));
        if (!now.equals(unshippedWritten)) {
            StringBuilder text = new StringBuilder();
            now.forEach(seq -> text.append(seq).append('\n'));
            writeAtomically(dir.resolve(UNSHIPPED), text.toString().getBytes(StandardCharsets.US_ASCII));
            unshippedWritten = now;
        }
    }

    private void appendSegment(Segment s) throws IOException {
        ByteBuffer line = ByteBuffer.wrap(line(s).getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) {
            segmentList.write(line);
        }
        segmentList.force(false);
    }

    private static Segment describe(long seq, List<UsageReceipt> receipts, boolean unshipped) {
        Map<LeaseDay, Integer> counts = new LinkedHashMap<>();
        long last = 0;
        for (UsageReceipt r : receipts) {
            counts.merge(LeaseDay.of(r), 1, Integer::sum);
            last = Math.max(last, r.endedAt().toEpochMilli());
        }
        List<LeaseDayCount> leaseDays = new ArrayList<>();
        counts.forEach((k, n) -> leaseDays.add(new LeaseDayCount(k.lease(), k.day(), n)));
        return new Segment(seq, receipts.size(), last, unshipped, List.copyOf(leaseDays));
    }

    private void writeLeaves(long seq, List<UsageReceipt> receipts) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(receipts.size() * LEAF_BYTES);
        for (UsageReceipt r : receipts) {
            out.putLong(r.leaseId().getMostSignificantBits()).putLong(r.leaseId().getLeastSignificantBits())
                    .putLong(r.invocationId().getMostSignificantBits()).putLong(r.invocationId().getLeastSignificantBits())
                    .putLong(r.endedAt().toEpochMilli()).put(r.hash());
        }
        writeAtomically(leavesFile(dir, seq), out.array());
    }

    /** One record of a sidecar. */
    @FunctionalInterface
    private interface LeafVisitor {
        void visit(UUID lease, UUID invocation, long endedAt, byte[] hash);
    }

    private void readLeaves(long seq, LeafVisitor visitor) {
        try {
            ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(leavesFile(dir, seq)));
            while (in.remaining() >= LEAF_BYTES) {
                UUID lease = new UUID(in.getLong(), in.getLong());
                UUID invocation = new UUID(in.getLong(), in.getLong());
                long endedAt = in.getLong();
                byte[] hash = new byte[32];
                in.get(hash);
                visitor.visit(lease, invocation, endedAt, hash);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the leaves of journal segment " + seq, e);
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

    /**
     * Records that billing holds exactly the journal's receipts of a lease and day with the root given, if that is still
     * the journal's root (a receipt that arrived since makes it unsettled again). Kept in {@code settled.txt}.
     */
    public synchronized void settled(UUID leaseId, LocalDate day, String merkleRoot) {
        LeaseDay key = new LeaseDay(leaseId, day);
        if (settled.contains(key) || !root(leaseId, day).merkleRoot().equals(merkleRoot)) {
            return;
        }
        try (FileChannel file = FileChannel.open(dir.resolve(SETTLED), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            file.write(ByteBuffer.wrap((leaseId + " " + day + "\n").getBytes(StandardCharsets.US_ASCII)));
            file.force(false);
            settled.add(key);
        } catch (IOException e) {
            // not recorded: found settled again on the next pass
        }
    }

    /** Whether billing was found to hold exactly this (lease, day) as the journal does. */
    public synchronized boolean isSettled(UUID leaseId, LocalDate day) {
        return settled.contains(new LeaseDay(leaseId, day));
    }

    /** Whether the journal's file system has room for more receipts; the agent admits no call while it has not. */
    public boolean hasRoom() {
        try {
            return store.getUsableSpace() >= limits.minFreeBytes();
        } catch (IOException e) {
            return false;
        }
    }

    /** Receipts not yet acknowledged by billing, oldest first, at most {@code max}. */
    public synchronized List<UsageReceipt> pending(int max) {
        List<UsageReceipt> out = new ArrayList<>();
        if (unshippedCount == 0) {
            return out;
        }
        for (Live entry : live.values()) {
            if (!entry.shipped) {
                out.add(entry.receipt);
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
        List<Live> marked = new ArrayList<>();
        for (UUID id : invocationIds) {
            Live entry = live.get(id);
            if (entry != null && !entry.shipped) {
                lines.append(id).append('\n');
                marked.add(entry);
            }
        }
        if (lines.length() > 0) {
            writeFully(shipped, lines.toString().getBytes(StandardCharsets.UTF_8));
            force(shipped);
            marked.forEach(e -> e.shipped = true);
            unshippedCount -= marked.size();
            shippedChanged = true;
        }
    }

    /** A journaled receipt still in memory (those of the active segment and unshipped ones, at least), or null. */
    public synchronized UsageReceipt get(UUID invocationId) {
        Live entry = live.get(invocationId);
        return entry == null ? null : entry.receipt;
    }

    /**
     * Whether a receipt with this invocation id is journaled: it is in memory, or left it within the last
     * {@link #RECENT} (older ids are no longer looked up; their grants expired long before).
     */
    public synchronized boolean contains(UUID invocationId) {
        return live.containsKey(invocationId) || recent.containsKey(invocationId);
    }

    /** How many receipts are journaled (in segments still kept), and how many of them are not yet shipped. */
    public synchronized Counts counts() {
        long receipts = activeReceipts.size();
        for (Segment s : sealed.values()) {
            receipts += s.receipts();
        }
        return new Counts(receipts, unshippedCount);
    }

    /** The Merkle root of a lease's receipts that ended on a UTC day, and how many there are. */
    public synchronized PeriodRoot root(UUID leaseId, LocalDate day) {
        return rootCache.computeIfAbsent(new LeaseDay(leaseId, day), key -> {
            List<byte[]> leaves = leavesOf(key);
            return new PeriodRoot(leaseId, day, leaves.size(), ReceiptMerkleTree.of(leaves).rootHex());
        });
    }

    /** Every (lease, day) root of the segments still kept. */
    public synchronized List<PeriodRoot> roots(UUID leaseId) {
        TreeSet<LocalDate> days = new TreeSet<>();
        for (Segment s : sealed.values()) {
            s.leaseDays().stream().filter(c -> c.lease().equals(leaseId)).forEach(c -> days.add(c.day()));
        }
        activeLeaves.keySet().stream().filter(k -> k.lease().equals(leaseId)).forEach(k -> days.add(k.day()));
        List<PeriodRoot> out = new ArrayList<>();
        for (LocalDate day : days) {
            out.add(root(leaseId, day));
        }
        return out;
    }

    /** The hashes of a lease's journaled receipts that ended on a UTC day, in journal order (the leaves of its root). */
    public synchronized List<byte[]> leaves(UUID leaseId, LocalDate day) {
        return leavesOf(new LeaseDay(leaseId, day)).stream().map(byte[]::clone).toList();
    }

    private List<byte[]> leavesOf(LeaseDay key) {
        List<byte[]> sealedPart = sealedLeaves.get(key);
        if (sealedPart == null) {
            List<byte[]> read = new ArrayList<>();
            for (Segment s : sealed.values()) {
                if (s.holds(key)) {
                    readLeaves(s.seq(), (lease, invocation, endedAt, hash) -> {
                        if (lease.equals(key.lease()) && day(endedAt).equals(key.day())) {
                            read.add(hash);
                        }
                    });
                }
            }
            sealedPart = read;
            if (!key.day().isBefore(LocalDate.now(ZoneOffset.UTC).minusDays(1))) {
                sealedLeaves.put(key, sealedPart);
            }
        }
        List<byte[]> all = new ArrayList<>(sealedPart);
        all.addAll(activeLeaves.getOrDefault(key, List.of()));
        return all;
    }

    /** The journaled receipts of a lease that ended on a UTC day, in journal order (read from their segments). */
    public synchronized List<UsageReceipt> receipts(UUID leaseId, LocalDate day) {
        LeaseDay key = new LeaseDay(leaseId, day);
        List<UsageReceipt> out = new ArrayList<>();
        for (Segment s : sealed.values()) {
            if (s.holds(key)) {
                try (FileChannel channel = FileChannel.open(segmentFile(dir, s.seq()), StandardOpenOption.READ)) {
                    for (String line : readLines(channel)) {
                        UsageReceipt r = JsonCodec.read(line, UsageReceipt.class);
                        if (LeaseDay.of(r).equals(key)) {
                            out.add(r);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read journal segment " + s.seq(), e);
                }
            }
        }
        activeReceipts.stream().filter(r -> LeaseDay.of(r).equals(key)).forEach(out::add);
        return out;
    }

    private static LocalDate day(long epochMillis) {
        return LocalDate.ofEpochDay(Math.floorDiv(epochMillis, 86_400_000L));
    }

    @Override
    public synchronized void close() throws IOException {
        closing = true; // a spare asked for and not started is not made
        spareMaker.shutdown();
        boolean interrupted = false;
        while (true) { // one being made is finished first, however long: no other instance meets it half made
            try {
                if (spareMaker.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        maintain(Instant.now()); // the lists as shipped now, so that the next opening reads less
        active.close();
        segmentList.close();
        shipped.close();
    }

    /** Journal size. */
    public record Counts(long receipts, long unshipped) {
    }

    /** The Merkle root of one lease's receipts in one UTC day. */
    public record PeriodRoot(UUID leaseId, LocalDate day, int receipts, String merkleRoot) {
    }

    private void force(FileChannel channel) {
        try {
            sync.force(channel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the receipt journal", e);
        }
    }

    /** Writes all of {@code bytes} at the channel's end; on failure cuts the file back to where it was. */
    private static void writeFully(FileChannel channel, byte[] bytes) {
        long before;
        try {
            before = channel.position();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the receipt journal", e);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            try {
                channel.truncate(before);
                channel.position(before);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw new JournalFullException("the receipt journal's device refused a write: " + e.getMessage(), e);
        }
    }

    /** Writes zeros over bytes {@code from} (inclusive) to {@code to} (exclusive) of the file, 64 KiB at a time. */
    private static void writeZeros(FileChannel channel, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(Math.max(to - from, 0), 64 * 1024));
        for (long at = from; at < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
            at += channel.write(zeros, at);
        }
    }

    /** Writes a file aside, forces it and renames it over {@code file}, then forces the directory. */
    private void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".next");
        try (FileChannel channel = FileChannel.open(aside, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory();
    }

    private void syncDirectory() throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /**
     * Complete lines, up to the first zero byte (a preallocated segment's unwritten rest); leaves the channel positioned
     * after the last of them. What follows it is cut off: truncated in a file without zeros, written over with zeros in a
     * preallocated one (a torn line, or a later line whose block reached the device before an earlier one's).
     */
    private static List<String> readLines(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("a journal segment of " + size + " bytes is larger than any this journal writes");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
            // reads the whole file
        }
        byte[] bytes = buffer.array();
        int limit = 0;
        while (limit < bytes.length && bytes[limit] != 0) {
            limit++;
        }
        int end = limit;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (limit == bytes.length) {
            if (end != size) {
                channel.truncate(end);
                channel.force(true);
            }
        } else {
            int last = bytes.length;
            while (last > end && bytes[last - 1] == 0) {
                last--;
            }
            if (last > end) {
                writeZeros(channel, end, last);
                channel.force(false);
            }
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

    /** The leases that have journaled receipts in the segments kept, in the order their first receipt was journaled. */
    public synchronized List<UUID> leases() {
        LinkedHashSet<UUID> leases = new LinkedHashSet<>();
        sealed.values().forEach(s -> s.leaseDays().forEach(c -> leases.add(c.lease())));
        activeReceipts.forEach(r -> leases.add(r.leaseId()));
        return List.copyOf(leases);
    }
}
