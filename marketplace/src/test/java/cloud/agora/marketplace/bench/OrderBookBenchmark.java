package cloud.agora.marketplace.bench;

import cloud.agora.marketplace.domain.Bid;
import cloud.agora.marketplace.domain.Lease;
import cloud.agora.marketplace.domain.OrderBook;
import cloud.agora.marketplace.domain.Outcome;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The matching engine alone, one thread, with a book holding {@code restingBids} resting orders
 * (bids priced below every ask, as a real book's resting side is) and 200 providers in 10
 * regions. Each invocation is one market operation, cycling through: a bid that matches at
 * once, closing a lease (which rescans resting bids), an offer re-published, a heartbeat with
 * more free capacity (rescan), a bid that rests, and cancelling a resting bid. The resting
 * side stays at {@code restingBids} throughout.
 *
 * <p>Run: {@code marketplace/bench/engine.sh} (see the module README).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OrderBookBenchmark {

    static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    static final Bid.Limits LIMITS = new Bid.Limits(16, Duration.ofDays(7), Duration.ofHours(1));
    static final Resources REPLICA = new Resources(250, 256, 0);
    static final Address DEV = new Address(String.format("0x%040x", 0xdd));

    @Param({"10000"})
    int restingBids;

    OrderBook book;
    Address[] providers;
    String[] regions;
    ArrayDeque<Lease> leases;
    ArrayDeque<UUID> resting;
    SplittableRandom random;
    long step;

    @Setup(Level.Iteration)
    public void fillBook() {
        book = new OrderBook(Duration.ofDays(365));
        random = new SplittableRandom(42);
        regions = new String[10];
        for (int r = 0; r < regions.length; r++) {
            regions[r] = "region-" + r;
        }
        providers = new Address[200];
        for (int p = 0; p < providers.length; p++) {
            providers[p] = new Address(String.format("0x%040x", 0x1000 + p));
            book.register(providers[p], "http://p" + p, regions[p % regions.length], Map.of("runtime.runc", "true"), NOW);
            book.publishOffer(providers[p], new Resources(64_000, 131_072, 1000), ask(100 + p), NOW);
        }
        resting = new ArrayDeque<>();
        for (int i = 0; i < restingBids; i++) {
            resting.add(placeResting());
        }
        leases = new ArrayDeque<>();
        step = 0;
    }

    @Benchmark
    public Object operation() {
        switch ((int) (step++ % 6)) {
            case 0: {
                Outcome placed = place(1000, "region-" + random.nextInt(10));
                leases.addAll(placed.createdLeases());
                return placed;
            }
            case 1: {
                Lease lease = leases.poll();
                return lease == null ? null : book.close(lease.id(), DEV, "done", NOW);
            }
            case 2: {
                int p = random.nextInt(providers.length);
                return book.publishOffer(providers[p], new Resources(64_000, 131_072, 1000), ask(100 + p), NOW);
            }
            case 3: {
                int p = random.nextInt(providers.length);
                return book.heartbeat(providers[p], new Resources(64_000 - random.nextInt(1000), 131_072, 1000), NOW);
            }
            case 4:
                resting.add(placeResting());
                return resting.size();
            default:
                return book.cancel(resting.poll(), DEV, NOW);
        }
    }

    private UUID placeResting() {
        return place(10 + random.nextInt(80), random.nextInt(4) == 0 ? null : "region-" + random.nextInt(10))
                .newBids().get(0).id();
    }

    private Outcome place(long maxCpuPrice, String region) {
        Prices max = new Prices(Wei.of(maxCpuPrice), Wei.of(1000), Wei.of(1000), Wei.of(1000));
        BidSpec spec = new BidSpec(BidKind.COMPUTE, REPLICA, 1, max, new Constraints(region, Map.of()), 3600L);
        return book.place(Bid.open(spec, DEV, book.nextSeq(), NOW, LIMITS), NOW);
    }

    private static Prices ask(long cpu) {
        return new Prices(Wei.of(cpu), Wei.of(50), Wei.of(5), Wei.of(500));
    }
}
