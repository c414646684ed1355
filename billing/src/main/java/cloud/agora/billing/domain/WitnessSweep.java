package cloud.agora.billing.domain;

import cloud.agora.billing.domain.Rejection.Reasons;
import cloud.agora.billing.metrics.BillingMeters;
import cloud.agora.billing.persistence.QuarantineRepository;
import cloud.agora.billing.persistence.WitnessRepository;
import cloud.agora.support.jdbc.Transactions;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Quarantines, as {@code unwitnessed}, the receipts that waited for the gateway's witness longer than the witness
 * window in effect ({@link BillingRules#witnessWindow()}, governed {@code billing.witness-window}). Such a receipt
 * charges nothing: no trusted gateway vouched for the call. A waiting receipt whose witnessed twin was rated meanwhile
 * (by a transaction that could not see it waiting) is only removed.
 */
@ApplicationScoped
public class WitnessSweep {

    private static final Logger LOG = Logger.getLogger(WitnessSweep.class);
    private static final int BATCH = 2_000;

    private final Transactions transactions;
    private final WitnessRepository witnesses;
    private final QuarantineRepository quarantine;
    private final BillingRules rules;
    private final BillingMeters meters;
    private final Clock clock;

    public WitnessSweep(Transactions transactions, WitnessRepository witnesses, QuarantineRepository quarantine,
            BillingRules rules, BillingMeters meters, Clock clock) {
        this.transactions = transactions;
        this.witnesses = witnesses;
        this.quarantine = quarantine;
        this.rules = rules;
        this.meters = meters;
        this.clock = clock;
    }

    @Scheduled(every = "${agora.billing.witness-sweep-interval:30s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            sweep(clock.instant());
        } catch (RuntimeException e) {
            LOG.warnf("witness sweep: will retry: %s", e.getMessage());
        }
    }

    /**
     * Quarantines the receipts that arrived more than the witness window before {@code now}, in transactions of up to
     * {@value #BATCH}; returns how many were quarantined.
     */
    public int sweep(Instant now) {
        Duration window = rules.witnessWindow();
        Instant before = now.minus(window);
        int quarantined = 0;
        while (true) {
            int[] taken = new int[2];
            transactions.inTransaction(c -> {
                List<WitnessRepository.Expired> expired = witnesses.takeExpired(c, before, BATCH);
                List<QuarantineRepository.Entry> entries = new ArrayList<>();
                for (WitnessRepository.Expired e : expired) {
                    if (!e.rated()) {
                        WitnessRepository.Waiting w = e.waiting();
                        entries.add(new QuarantineRepository.Entry(new Rejection(w.invocationId(), Reasons.UNWITNESSED,
                                "no copy counter-signed by a trusted gateway arrived within " + window + ": charges nothing"),
                                w.source(), w.leaseId(), w.provider(), w.payload(), w.providerBatch()));
                    }
                }
                quarantine.add(c, entries);
                taken[0] = expired.size();
                taken[1] = entries.size();
                return null;
            });
            quarantined += taken[1];
            if (taken[1] > 0) {
                meters.quarantined(Reasons.UNWITNESSED, taken[1]); // after the commit
                LOG.infof("%d receipts without a gateway witness after %s quarantined as unwitnessed", taken[1], window);
            }
            if (taken[0] < BATCH) {
                return quarantined;
            }
        }
    }
}
