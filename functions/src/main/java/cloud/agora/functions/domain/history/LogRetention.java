package cloud.agora.functions.domain.history;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.persistence.InvocationStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Deletes log lines recorded longer ago than the governed {@code functions.log-retention} in effect, every
 * {@code log-retention-interval}, off the call path: in transactions of at most {@code log-retention-batch} lines
 * each, so neither a lock nor a transaction is held long however many lines expire at once. Lines inside the period
 * are never deleted, whatever their number.
 */
@ApplicationScoped
public class LogRetention {

    private static final Logger LOG = Logger.getLogger(LogRetention.class);

    private final InvocationStore store;
    private final FunctionRules rules;
    private final Clock clock;
    private final int batch;

    public LogRetention(InvocationStore store, FunctionRules rules, Clock clock, FunctionsConfig config) {
        this.store = store;
        this.rules = rules;
        this.clock = clock;
        this.batch = config.logRetentionBatch();
    }

    @Scheduled(every = "${agora.functions.log-retention-interval:1m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        deleteExpired();
    }

    /**
     * Deletes every line recorded before now less the retention in effect, batch after batch until none is left.
     *
     * @return how many lines were deleted
     */
    public long deleteExpired() {
        Instant cutoff = clock.instant().minus(rules.inEffect().logRetention());
        long total = 0;
        int deleted;
        do {
            deleted = store.deleteLogsBefore(cutoff, batch);
            total += deleted;
        } while (deleted == batch);
        if (total > 0) {
            LOG.debugf("deleted %d log lines recorded before %s", total, cutoff);
        }
        return total;
    }
}
