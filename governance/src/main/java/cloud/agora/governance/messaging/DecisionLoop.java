package cloud.agora.governance.messaging;

import cloud.agora.governance.domain.GovernanceChain;
import cloud.agora.governance.domain.ProposalExecutor;
import cloud.agora.governance.domain.VoteTallier;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.support.writer.SingleWriter;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Drives proposals after their vote, on one thread: tallies the ended ones, queues the passed ones (scheduling
 * their on-chain changes in the timelock), executes them after the timelock, and notices the ones a guardian
 * cancelled. Everything it does is recorded in PostgreSQL or read from the chain and re-derived on the next tick, so
 * a restart picks up where the last run stopped; a failure (chain or database down) is retried on the next tick. It
 * runs only while this instance is the service's writer ({@link SingleWriter}), so two instances never send the same
 * transaction.
 */
@ApplicationScoped
public class DecisionLoop {

    private static final Logger LOG = Logger.getLogger(DecisionLoop.class);

    private final Transactions tx;
    private final GovernanceStore store;
    private final GovernanceChain chain;
    private final VoteTallier tallier;
    private final ProposalExecutor executor;
    private final SingleWriter writer;
    private final AtomicLong passes = new AtomicLong();

    public DecisionLoop(Transactions tx, GovernanceStore store, GovernanceChain chain, VoteTallier tallier,
            ProposalExecutor executor, SingleWriter writer) {
        this.tx = tx;
        this.writer = writer;
        this.store = store;
        this.chain = chain;
        this.tallier = tallier;
        this.executor = executor;
    }

    /**
     * How many passes of the loop have ended, successful or not: two more than a caller saw mean that one whole pass
     * began after the caller looked, so whatever it could do about the caller's state it has done.
     */
    public long passes() {
        return passes.get();
    }

    @Scheduled(every = "${agora.governance.interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            if (writer.isWriter()) { // one loop per database: only the writer tallies, schedules and executes
                pass();
            }
        } finally {
            passes.incrementAndGet();
        }
    }

    private void pass() {
        long head;
        List<Long> due;
        try {
            head = chain.headBlock();
            due = tx.read(c -> store.due(c, head));
        } catch (RuntimeException e) {
            LOG.warnf("governance: cannot read the head block or due proposals, will retry: %s", e.getMessage());
            return;
        }
        for (long id : due) {
            try {
                tallier.settle(id, head);
                executor.advance(id);
                executor.advance(id);
            } catch (RuntimeException e) {
                LOG.warnf(e, "governance: proposal %d could not advance, will retry", id);
            }
        }
    }
}
