package cloud.agora.agent.invocation;

import cloud.agora.agent.journal.ReceiptJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single use of invocation ids: an id is claimed once, atomically, when its call is admitted, and stays claimed while
 * its grant could still be presented — until the grant's expiry plus the clock skew plus {@link #MARGIN} — whether
 * the call succeeded, failed or is still running. Ids with a journaled receipt are refused too, as long as the journal
 * recognises them (it survives restarts; {@link cloud.agora.agent.journal.ReceiptJournal#contains}: while their segment
 * is active or unshipped, and 5 minutes after it left memory). After a claim is forgotten the grant it came with is expired, so the grant cannot be replayed
 * either way. Of two simultaneous calls with one id exactly one wins the claim.
 *
 * <p>With a directory, every claim is also appended to {@code claims.log} there before the call runs, and a new
 * instance reads the claims still in force from it: an agent killed and restarted refuses a grant its previous run
 * had claimed (the call may have run and lost its receipt in the crash). The appends are not synced: they survive the
 * process being killed, not the machine losing power. Every {@link #COMPACT_EVERY} the file is rewritten with the
 * claims still in force. Without a directory the claims live in memory only (tests).
 *
 * <p>Memory is bounded by the call rate times the grant validity (about a minute of ids). Thread-safe.
 */
public final class InvocationClaims {

    /** Kept beyond expiry + skew so that a check which read the clock just before the boundary still finds the claim. */
    static final Duration MARGIN = Duration.ofMinutes(1);
    private static final Duration PRUNE_EVERY = Duration.ofSeconds(10);
    static final Duration COMPACT_EVERY = Duration.ofMinutes(5);
    static final String LOG = "claims.log";

    private final ReceiptJournal journal;
    private final Map<UUID, Instant> claimed = new ConcurrentHashMap<>();
    private volatile Instant nextPrune = Instant.MIN;
    private final Path dir;
    private FileChannel log;
    private Instant nextCompaction = Instant.MIN;

    /** Claims in memory only. */
    public InvocationClaims(ReceiptJournal journal) {
        this.journal = journal;
        this.dir = null;
    }

    /** Claims kept in {@code dir} too, read back from it now (those still in force at {@code now}). */
    public InvocationClaims(ReceiptJournal journal, Path dir, Instant now) {
        this.journal = journal;
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(LOG);
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                    String[] fields = line.split(" ");
                    if (fields.length == 2) { // a line cut by the kill that wrote it is skipped
                        try {
                            Instant forgetAt = Instant.ofEpochMilli(Long.parseLong(fields[1]));
                            if (forgetAt.isAfter(now)) {
                                claimed.put(UUID.fromString(fields[0]), forgetAt);
                            }
                        } catch (IllegalArgumentException e) {
                            // a torn line: its call had not started (the claim is written before the call runs)
                        }
                    }
                }
            }
            compact(now);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the invocation claims in " + dir, e);
        }
    }

    /** Why an id cannot be claimed. */
    public enum Refusal {
        /** Its receipt is journaled: it ran here. */
        ALREADY_RUN,
        /** It is claimed by a call running now or one that ran (or failed) while its grant was valid. */
        CLAIMED
    }

    /**
     * Claims {@code invocationId} until {@code keepUntil} (+ {@link #MARGIN}).
     *
     * @return empty when this caller holds the claim now, else why not
     */
    public Optional<Refusal> claim(UUID invocationId, Instant keepUntil, Instant now) {
        prune(now);
        if (journal.contains(invocationId)) {
            return Optional.of(Refusal.ALREADY_RUN);
        }
        Instant forgetAt = keepUntil.plus(MARGIN);
        if (claimed.putIfAbsent(invocationId, forgetAt) != null) {
            return Optional.of(Refusal.CLAIMED);
        }
        if (dir != null) {
            record(invocationId, forgetAt, now);
        }
        return Optional.empty();
    }

    private synchronized void record(UUID invocationId, Instant forgetAt, Instant now) {
        try {
            if (now.isAfter(nextCompaction)) {
                compact(now);
            }
            log.write(ByteBuffer.wrap((invocationId + " " + forgetAt.toEpochMilli() + "\n").getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            claimed.remove(invocationId); // not kept across a restart: not admitted
            throw new UncheckedIOException("cannot record the claim of invocation " + invocationId, e);
        }
    }

    /** Rewrites the log with the claims in force (written aside, then moved over the old one). */
    private synchronized void compact(Instant now) throws IOException {
        Path next = dir.resolve(LOG + ".next");
        StringBuilder live = new StringBuilder();
        claimed.forEach((id, forgetAt) -> {
            if (forgetAt.isAfter(now)) {
                live.append(id).append(' ').append(forgetAt.toEpochMilli()).append('\n');
            }
        });
        Files.writeString(next, live, StandardCharsets.US_ASCII);
        Files.move(next, dir.resolve(LOG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (log != null) {
            log.close();
        }
        log = FileChannel.open(dir.resolve(LOG), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        nextCompaction = now.plus(COMPACT_EVERY);
    }

    private void prune(Instant now) {
        if (now.isAfter(nextPrune)) {
            nextPrune = now.plus(PRUNE_EVERY);
            claimed.values().removeIf(forgetAt -> forgetAt.isBefore(now));
        }
    }
}
