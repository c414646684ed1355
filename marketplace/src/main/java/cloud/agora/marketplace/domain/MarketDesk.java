package cloud.agora.marketplace.domain;

import cloud.agora.marketplace.messaging.LeaseFeed;
import cloud.agora.marketplace.persistence.MarketStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.support.outbox.Outbox;
import cloud.agora.support.outbox.OutboxRelay;
import cloud.agora.support.writer.NotTheWriterException;
import cloud.agora.support.writer.SingleWriter;
import cloud.agora.support.writer.WriterAcquired;
import cloud.agora.support.writer.WriterLost;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * The one owner of the {@link OrderBook}. Every command runs on its single thread: the book
 * decides, then the {@link Outcome} is recorded in one transaction together with its outbox
 * events; only after the commit are callers answered, agents told (lease feed) and the relay
 * nudged. Commands that queue up while a commit is in flight are applied in order and
 * committed together (group commit: one flush for many commands); if a commit fails, every
 * command of that batch fails and the book is rebuilt from the database, so memory never runs
 * ahead of what was committed.
 *
 * <p>Only the platform's one writer of the market ({@link SingleWriter}) keeps a book: each time this instance becomes
 * the writer (at start, or again after it lost its lock) the book is rebuilt from the database, so a restart or
 * another instance's epoch in between loses nothing; while it is not the writer every command and every read of the
 * book is refused ({@link NotTheWriterException}), and every commit checks the writer fence in its transaction, so an
 * instance that lost the role without noticing yet commits nothing.
 *
 * <p>The owner is a thread of the desk's own ({@code market-desk}; README, "Decisions": callers on worker threads wait
 * for it, so it must not wait for a worker thread itself), started at the service's start before anything asks the
 * desk (the writer's first {@link WriterAcquired}) and stopped at its shutdown: the batch in hand is committed and
 * answered, commands still queued are refused, the thread is joined.
 *
 * <p>Events: {@code LeaseCreated} and {@code LeaseClosed} on {@code marketplace.leases.v1},
 * {@code OfferPublished} on {@code marketplace.offers.v1}.
 */
@ApplicationScoped
public class MarketDesk {

    private static final Logger LOG = Logger.getLogger(MarketDesk.class);

    private final MarketStore store;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final LeaseFeed feed;
    private final Clock clock;
    private final MarketRules rules;
    private final SingleWriter writer;
    private final ReputationLedger reputation;
    /** The most commands committed in one transaction. */
    private static final int MAX_BATCH = 256;

    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Thread owner = new Thread(this::serve, "market-desk");
    private volatile boolean running = true;
    private OrderBook book;

    public MarketDesk(MarketStore store, Outbox outbox, OutboxRelay relay, LeaseFeed feed, Clock clock, MarketRules rules,
            SingleWriter writer, ReputationLedger reputation) {
        this.store = store;
        this.reputation = reputation;
        this.outbox = outbox;
        this.relay = relay;
        this.feed = feed;
        this.clock = clock;
        this.rules = rules;
        this.writer = writer;
    }

    /**
     * Starts the owner thread, before every other start-up observer (the single writer's, which loads the book through
     * the desk). Commands submitted before it wait in the queue.
     */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        owner.setDaemon(true); // joined at shutdown; never what keeps the JVM alive if start-up fails after this
        owner.start();
    }

    /** Becoming the writer (at start or again): the book is loaded from what the database holds now. */
    void acquired(@Observes WriterAcquired event) {
        reload();
    }

    /** No longer the writer: agents following leases here are cut off, so they reconnect to the writer. */
    void lost(@Observes WriterLost event) {
        feed.closeAll();
    }

    /**
     * Stops the owner: it finishes the batch in hand (committed and answered) and ends; commands still queued, and any
     * submitted from now on, are refused as by an instance that is not the writer ({@link NotTheWriterException}: 503
     * with {@code Retry-After}, nothing changed).
     */
    void stop(@Observes ShutdownEvent event) {
        running = false;
        owner.interrupt();
        try {
            owner.join(STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (owner.isAlive()) {
            LOG.warnf("the market desk did not stop within %s", STOP_WAIT);
        }
        refuseQueued();
    }

    private static final java.time.Duration STOP_WAIT = java.time.Duration.ofSeconds(10);

    /** Fails every command still queued (after the owner stopped). */
    private void refuseQueued() {
        List<Task> left = new ArrayList<>();
        queue.drainTo(left);
        for (Task task : left) {
            task.answer.completeExceptionally(new NotTheWriterException(writer.name(),
                    "this instance is stopping: its market desk takes no more commands", STOP_WAIT));
        }
    }

    /**
     * Forgets the in-memory book and loads it again from the database, then matches whatever
     * the loaded state allows: exactly what a restart does.
     */
    public void reload() {
        submit(new Task((book, now) -> null, Kind.RELOAD));
    }

    /**
     * Runs a command: {@code decide} reads and changes the book (throwing a domain exception
     * before changing anything if the command is refused); its outcome is then committed.
     *
     * @return the committed outcome
     */
    public Outcome execute(BiFunction<OrderBook, Instant, Outcome> decide) {
        return (Outcome) submit(new Task(decide::apply, Kind.COMMAND));
    }

    /**
     * Runs a command, like {@link #execute}, that reads the database as well as the book: whatever the commands queued
     * before it changed is committed first, so {@code decide} sees it there (a bid placed under an idempotency key
     * looks the key up in the database, and must find the bid of a retry queued just before it). Costs the batch an
     * extra commit.
     *
     * @return the committed outcome
     */
    public Outcome executeOnCommitted(BiFunction<OrderBook, Instant, Outcome> decide) {
        return (Outcome) submit(new Task(decide::apply, Kind.COMMAND_ON_COMMITTED));
    }

    /**
     * Changes how long a silent provider stays available (a governed rule), then gives any
     * capacity that became available to resting bids.
     */
    public Outcome heartbeatTimeout(java.time.Duration timeout) {
        return execute((book, now) -> {
            book.heartbeatTimeout(timeout);
            return book.matchAfterRestore(now);
        });
    }

    /** Reads the book on its owner's thread, after every earlier command is committed (never uncommitted state). */
    @SuppressWarnings("unchecked")
    public <R> R query(BiFunction<OrderBook, Instant, R> read) {
        return (R) submit(new Task(read::apply, Kind.QUERY));
    }

    /** The current time as the market records it (microseconds, as PostgreSQL keeps it). */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** The owner thread: takes whatever is queued, applies it in order, commits once, then answers. */
    private void serve() {
        List<Task> batch = new ArrayList<>();
        while (running) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return; // stopping
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            List<Task> applied = new ArrayList<>();
            List<Outcome> outcomes = new ArrayList<>();
            for (Task task : batch) {
                if (task.kind == Kind.RELOAD) {
                    commit(applied, outcomes);
                    try {
                        rebuild();
                        Outcome catchUp = book.matchAfterRestore(now());
                        task.result = catchUp;
                        applied.add(task);
                        outcomes.add(catchUp);
                        commit(applied, outcomes);
                    } catch (SQLException | RuntimeException e) {
                        task.answer.completeExceptionally(e);
                    }
                    continue;
                }
                if (task.kind == Kind.QUERY || task.kind == Kind.COMMAND_ON_COMMITTED) {
                    // reads see committed state only: commit what this batch changed so far first
                    commit(applied, outcomes);
                }
                try {
                    writer.requireWriter();
                    task.result = task.work.apply(book, now());
                    applied.add(task);
                    if (task.kind == Kind.COMMAND || task.kind == Kind.COMMAND_ON_COMMITTED) {
                        outcomes.add((Outcome) task.result);
                    }
                } catch (RuntimeException refused) {
                    task.answer.completeExceptionally(refused);
                }
            }
            commit(applied, outcomes);
            batch.clear();
        }
    }

    /** Records the outcomes of {@code applied} in one transaction, then answers them all. */
    private void commit(List<Task> applied, List<Outcome> outcomes) {
        if (applied.isEmpty()) {
            return;
        }
        try {
            if (outcomes.stream().anyMatch(o -> !o.isEmpty())) {
                record(outcomes);
            }
            for (Task task : applied) {
                task.answer.complete(task.result);
            }
        } catch (NotTheWriterException e) {
            // another instance took over: nothing was recorded, and the book is rebuilt when this one is the writer again
            LOG.warnf("recording %d market changes refused: %s", outcomes.size(), e.getMessage());
            for (Task task : applied) {
                task.answer.completeExceptionally(e);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.errorf(e, "recording %d market changes failed; rebuilding the book from the database", outcomes.size());
            try {
                rebuild();
            } catch (SQLException | RuntimeException reload) {
                LOG.errorf(reload, "rebuilding the book failed");
            }
            for (Task task : applied) {
                task.answer.completeExceptionally(e);
            }
        }
        applied.clear();
        outcomes.clear();
    }

    private void record(List<Outcome> outcomes) throws SQLException {
        Instant now = now();
        try (Connection c = store.begin()) {
            try {
                writer.fence(c);
                for (Outcome outcome : outcomes) {
                    record(c, outcome, now);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        for (Outcome outcome : outcomes) {
            for (Lease lease : outcome.createdLeases()) {
                feed.publish(MarketEvents.LEASE_CREATED, lease.view(endpoint(lease.provider())));
            }
            for (Lease lease : outcome.closedLeases()) {
                feed.publish(MarketEvents.LEASE_CLOSED, lease.view(endpoint(lease.provider())));
            }
        }
        relay.nudge();
    }

    private void record(Connection c, Outcome outcome, Instant now) throws SQLException {
        for (Provider provider : outcome.providers()) {
            store.upsertProvider(c, provider);
        }
        for (Bid bid : outcome.newBids()) {
            store.insertBid(c, bid);
        }
        for (BidKey key : outcome.bidKeys()) {
            store.insertBidKey(c, key, now);
        }
        for (Bid bid : outcome.changedBids()) {
            store.updateBid(c, bid);
        }
        for (Lease lease : outcome.createdLeases()) {
            store.insertLease(c, lease);
            outbox.append(c, Topics.MARKETPLACE_LEASES, EventEnvelope.of(MarketEvents.LEASE_CREATED,
                    MarketEvents.SOURCE, now, lease.id().toString(), lease.view(endpoint(lease.provider()))));
        }
        for (Lease lease : outcome.closedLeases()) {
            store.closeLease(c, lease);
            reputation.add(c, lease.provider(), now, ReputationFacts.leaseEnded(lease));
            outbox.append(c, Topics.MARKETPLACE_LEASES, EventEnvelope.of(MarketEvents.LEASE_CLOSED,
                    MarketEvents.SOURCE, now, lease.id().toString(), lease.view(endpoint(lease.provider()))));
        }
        for (Map.Entry<Address, Long> down : outcome.downMillis().entrySet()) {
            reputation.add(c, down.getKey(), now, ReputationFacts.down(down.getValue()));
        }
        for (Provider provider : outcome.publishedOffers()) {
            OfferView offer = book.provider(provider.address(), now).map(OfferViews::of).orElseThrow();
            outbox.append(c, Topics.MARKETPLACE_OFFERS, EventEnvelope.of(MarketEvents.OFFER_PUBLISHED,
                    MarketEvents.SOURCE, now, provider.address().value(), offer));
        }
    }

    private String endpoint(Address provider) {
        return book.registered(provider).map(Provider::endpoint).orElse(null);
    }

    private void rebuild() throws SQLException {
        OrderBook fresh = new OrderBook(rules.heartbeatTimeout());
        for (Provider provider : store.providers()) {
            fresh.restoreProvider(provider);
        }
        for (Lease lease : store.activeLeases()) {
            fresh.restoreLease(lease);
        }
        fresh.restoreReliability(reputation.reliabilities(fresh.presence()));
        for (Map.Entry<Bid, Set<Address>> open : store.openBids().entrySet()) {
            fresh.restoreOpenBid(open.getKey(), open.getValue());
        }
        book = fresh;
        LOG.infof("order book loaded: %d resting bids, %d active leases", book.restingBidCount(), book.activeLeaseCount());
    }

    private Object submit(Task task) {
        queue.add(task);
        if (!running) {
            refuseQueued(); // stopped: nobody takes it any more
        }
        try {
            return task.answer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the market desk", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("the market desk failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private enum Kind {
        COMMAND,
        /** A command that reads the database too: runs after everything queued before it is committed. */
        COMMAND_ON_COMMITTED,
        /** Reads the book; runs after everything queued before it is committed. */
        QUERY,
        /** Reload the book from the database: commits what is pending first. */
        RELOAD
    }

    /** Work for the owner thread and where its answer goes. */
    private static final class Task {
        final BiFunction<OrderBook, Instant, Object> work;
        final Kind kind;
        final CompletableFuture<Object> answer = new CompletableFuture<>();
        Object result;

        Task(BiFunction<OrderBook, Instant, Object> work, Kind kind) {
            this.work = work;
            this.kind = kind;
        }
    }
}
