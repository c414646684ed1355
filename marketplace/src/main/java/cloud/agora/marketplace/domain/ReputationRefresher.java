package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.support.writer.SingleWriter;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Gives the writer's book every provider's reputation again every {@code agora.market.reputation.refresh-interval},
 * computed off the book's thread; a provider whose reputation improved offers its capacity to resting bids again.
 */
@ApplicationScoped
public class ReputationRefresher {

    private final MarketDesk desk;
    private final ReputationLedger ledger;
    private final SingleWriter writer;

    public ReputationRefresher(MarketDesk desk, ReputationLedger ledger, SingleWriter writer) {
        this.desk = desk;
        this.ledger = ledger;
        this.writer = writer;
    }

    @Scheduled(every = "${agora.market.reputation.refresh-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        if (!writer.isWriter()) {
            return;
        }
        refreshNow();
    }

    /** Deletes evidence older than {@code agora.market.reputation.retention}. */
    @Scheduled(every = "1h", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void prune() {
        if (writer.isWriter()) {
            ledger.prune();
        }
    }

    /** Recomputes and applies every provider's reputation now. */
    public void refreshNow() {
        Map<Address, Presence> presence = desk.query((book, now) -> book.presence());
        Map<Address, Reliability> reliabilities = ledger.reliabilities(presence);
        desk.execute((book, now) -> book.reliability(reliabilities, now));
    }
}
