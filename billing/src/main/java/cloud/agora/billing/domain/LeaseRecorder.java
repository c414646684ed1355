package cloud.agora.billing.domain;

import cloud.agora.billing.metrics.BillingMeters;
import cloud.agora.billing.persistence.LeaseRepository;
import cloud.agora.billing.persistence.QuarantineRepository;
import cloud.agora.support.jdbc.Transactions;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.market.LeaseView;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Keeps billing's copy of the leases from {@code marketplace.leases.v1}, idempotent on the event id. A lease that
 * arrives after some of its receipts (the topics are not ordered with each other) releases them from the
 * quarantine and rates them, in the same transaction that records the lease.
 */
@ApplicationScoped
public class LeaseRecorder {

    private static final Logger LOG = Logger.getLogger(LeaseRecorder.class);

    private final Transactions transactions;
    private final LeaseRepository leases;
    private final QuarantineRepository quarantine;
    private final UsageRater rater;
    private final BillingMeters meters;

    public LeaseRecorder(Transactions transactions, LeaseRepository leases, QuarantineRepository quarantine, UsageRater rater,
            BillingMeters meters) {
        this.transactions = transactions;
        this.leases = leases;
        this.quarantine = quarantine;
        this.rater = rater;
        this.meters = meters;
    }

    /** Applies the events (LeaseCreated, LeaseClosed) not applied before; returns how many receipts were released. */
    public int record(List<EventEnvelope<LeaseView>> events) {
        List<RatingOutcome> outcomes = new ArrayList<>();
        int releasedInAll = transactions.inTransaction(c -> {
            outcomes.clear();
            leases.lockArrivals(c); // see UsageRater: parking and lease arrival never interleave
            int released = 0;
            for (EventEnvelope<LeaseView> event : events) {
                if (event.data() == null || !leases.firstTime(c, event.id())) {
                    continue;
                }
                leases.save(c, event.data());
                List<IncomingReceipt> parked = new ArrayList<>();
                for (QuarantineRepository.Parked p : quarantine.takeParked(c, event.data().id())) {
                    parked.add(IncomingReceipt.parse(p.payload(), "parked:" + p.source()).attestedIn(p.providerBatch()));
                }
                if (!parked.isEmpty()) {
                    RatingOutcome outcome = rater.rateIn(c, parked);
                    outcomes.add(outcome);
                    released += outcome.rated().size();
                    LOG.infof("lease %s arrived: %d parked receipts rated, %d refused", event.data().id(),
                            outcome.rated().size(), outcome.rejected().size());
                }
            }
            return released;
        });
        outcomes.forEach(meters::committed); // committed: count what the parked receipts became
        return releasedInAll;
    }
}
