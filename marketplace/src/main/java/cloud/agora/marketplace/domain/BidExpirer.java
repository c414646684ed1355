package cloud.agora.marketplace.domain;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/** Expires resting bids whose time to live ran out. */
@ApplicationScoped
public class BidExpirer {

    private final MarketDesk desk;

    public BidExpirer(MarketDesk desk) {
        this.desk = desk;
    }

    @Scheduled(every = "${agora.market.expiry-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expire() {
        desk.execute((book, now) -> book.expire(now));
    }
}
