package cloud.agora.agent.invocation;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.journal.ReceiptJournal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single use of invocation ids, in memory and through the journal. */
class InvocationClaimsTest {

    @TempDir
    Path dir;

    final Instant now = Instant.parse("2026-12-04T12:00:00Z");

    @Test
    void ofManySimultaneousClaimsOfOneIdExactlyOneWins() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            InvocationClaims claims = new InvocationClaims(journal);
            for (int round = 0; round < 50; round++) {
                UUID id = UUID.randomUUID();
                int threads = 8;
                CyclicBarrier start = new CyclicBarrier(threads);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                List<Future<Optional<InvocationClaims.Refusal>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return claims.claim(id, now.plusSeconds(60), now);
                    }));
                }
                int won = 0;
                for (Future<Optional<InvocationClaims.Refusal>> r : results) {
                    Optional<InvocationClaims.Refusal> refusal = r.get();
                    if (refusal.isEmpty()) {
                        won++;
                    } else {
                        assertThat(refusal).contains(InvocationClaims.Refusal.CLAIMED);
                    }
                }
                pool.shutdown();
                assertThat(won).isEqualTo(1);
            }
        }
    }

    @Test
    void aClaimIsKeptUntilItsGrantCouldNoLongerBePresented() throws Exception {
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            InvocationClaims claims = new InvocationClaims(journal);
            UUID id = UUID.randomUUID();
            Instant keepUntil = now.plusSeconds(60);
            assertThat(claims.claim(id, keepUntil, now)).isEmpty();
            assertThat(claims.claim(id, keepUntil, keepUntil)).contains(InvocationClaims.Refusal.CLAIMED);
            assertThat(claims.claim(id, keepUntil, keepUntil.plus(InvocationClaims.MARGIN))).contains(InvocationClaims.Refusal.CLAIMED);
            // later than expiry + skew + margin the grant itself is refused as expired; only then is the id forgotten
            assertThat(claims.claim(UUID.randomUUID(), keepUntil, keepUntil.plus(InvocationClaims.MARGIN).plusSeconds(11)))
                    .isEmpty();
            assertThat(claims.claim(id, keepUntil, keepUntil.plus(InvocationClaims.MARGIN).plusSeconds(11))).isEmpty();
        }
    }

    @Test
    void anIdWithAJournaledReceiptIsNeverClaimedAgainEvenAfterARestart() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID id;
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            var receipt = cloud.agora.agent.journal.TestReceipts.receipt(lease);
            id = receipt.invocationId();
            journal.append(receipt);
        }
        try (ReceiptJournal reopened = ReceiptJournal.open(dir)) {
            InvocationClaims fresh = new InvocationClaims(reopened);
            assertThat(fresh.claim(id, now.plusSeconds(60), now)).contains(InvocationClaims.Refusal.ALREADY_RUN);
        }
    }

    /**
     * A claim is written to the claims log before its call runs, with no buffering in the process (each claim is one
     * write to the kernel), so a new instance on the same directory — an agent restarted after a kill, before
     * anything was closed or flushed — refuses the id while its grant could still be presented, and forgets it after.
     */
    @Test
    void aClaimSurvivesARestartUntilItsGrantCouldNoLongerBePresented() throws Exception {
        Path claimsDir = dir.resolve("claims");
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            InvocationClaims before = new InvocationClaims(journal, claimsDir, now);
            UUID id = UUID.randomUUID();
            Instant keepUntil = now.plusSeconds(60);
            assertThat(before.claim(id, keepUntil, now)).isEmpty();
            // a kill can cut the last line short: it is skipped
            java.nio.file.Files.writeString(claimsDir.resolve(InvocationClaims.LOG), "0a1b2c", java.nio.file.StandardOpenOption.APPEND);

            InvocationClaims restarted = new InvocationClaims(journal, claimsDir, now.plusSeconds(5));
            assertThat(restarted.claim(id, keepUntil, now.plusSeconds(5))).contains(InvocationClaims.Refusal.CLAIMED);
            assertThat(restarted.claim(UUID.randomUUID(), keepUntil, now.plusSeconds(5))).isEmpty();

            Instant later = keepUntil.plus(InvocationClaims.MARGIN).plusSeconds(1);
            InvocationClaims muchLater = new InvocationClaims(journal, claimsDir, later);
            assertThat(muchLater.claim(id, later.plusSeconds(60), later)).isEmpty();
        }
    }
}
