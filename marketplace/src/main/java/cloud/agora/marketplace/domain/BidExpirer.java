package cloud.agora.marketplace.domain;

import cloud.agora.support.writer.SingleWriter;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/** Expires resting bids whose time to live ran out. */
@ApplicationScoped
public class BidExpirer {

    private final MarketDesk desk;
    private final SingleWriter writer;

    public BidExpirer(MarketDesk desk, SingleWriter writer) {
        this.desk = desk;
        this.writer = writer;
    }

    @Scheduled(every = "${agora.market.expiry-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expire() {
        if (!writer.isWriter()) {
            return; // the writer expires bids; this instance's book is not kept
        }
        desk.execute((book, now) -> book.expire(now));
    }
}
