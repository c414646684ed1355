package cloud.agora.billing.bench;

import cloud.agora.protocol.usage.ReceiptPrefixTree;
import cloud.agora.protocol.usage.ReceiptTreeAnswer;
import cloud.agora.protocol.usage.ReceiptTreeDescent;
import cloud.agora.protocol.usage.ReceiptTreeQuery;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
 * Anti-entropy on one (lease, day) of {@code n} receipts of which billing lacks one, one thread, no network or database:
 * <ul>
 *   <li>{@code descend}: both prefix trees built and their digests known (the agent's tree of an unchanged day, a
 *   billing that kept its tree): the descent alone;</li>
 *   <li>{@code descendAsBillingAnswers}: billing answers each query as its endpoint does, building the tree over the
 *   hashes in the range the query's prefixes span (the agent's tree built once, as in a pass);</li>
 *   <li>{@code buildTree}: building one side's tree and its root from the n hashes (what a pass costs the agent for a
 *   changed day, and billing for the root query).</li>
 * </ul>
 * Each prints the digests and leaf hashes exchanged, and the queries (rounds), once per trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx3g"})
public class AntiEntropyBenchmark {

    static final UUID LEASE = UUID.fromString("6a1d0f5e-0000-4000-8000-000000000001");
    static final LocalDate DAY = LocalDate.of(2026, 12, 5);

    @Param({"1000000"})
    public int n;

    private List<byte[]> agent;
    private byte[][] billingSorted;
    private ReceiptPrefixTree agentTree;
    private ReceiptPrefixTree billingTree;

    @Setup(Level.Trial)
    public void receipts() {
        Random random = new Random(42);
        agent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] hash = new byte[32];
            random.nextBytes(hash);
            agent.add(hash);
        }
        List<byte[]> billing = new ArrayList<>(agent);
        billing.remove(n / 3);
        billingSorted = billing.toArray(byte[][]::new);
        Arrays.sort(billingSorted, Arrays::compareUnsigned);
        agentTree = ReceiptPrefixTree.of(agent);
        billingTree = ReceiptPrefixTree.of(billing);
        agentTree.root();
        billingTree.root();
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(agentTree, LEASE, DAY, billingTree::answer);
        System.out.printf("%n%d receipts, billing lacks 1: found %d, %d queries, %d digests, %d leaf hashes exchanged%n",
                n, d.missingThere().size(), d.queries(), d.digests(), d.leavesReceived());
    }

    @Benchmark
    public ReceiptTreeDescent.Differences descend() {
        return ReceiptTreeDescent.compare(agentTree, LEASE, DAY, billingTree::answer);
    }

    @Benchmark
    public ReceiptTreeDescent.Differences descendAsBillingAnswers() {
        return ReceiptTreeDescent.compare(agentTree, LEASE, DAY, this::answerFromRange);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public byte[] buildTree() {
        return ReceiptPrefixTree.of(agent).root();
    }

    /** As billing's endpoint: only the hashes between the lowest and highest hash the asked prefixes can cover. */
    private ReceiptTreeAnswer answerFromRange(ReceiptTreeQuery query) {
        byte[] first = query.prefixes().stream().map(ReceiptPrefixTree::firstHash).min(Arrays::compareUnsigned).orElseThrow();
        byte[] last = query.prefixes().stream().map(ReceiptPrefixTree::lastHash).max(Arrays::compareUnsigned).orElseThrow();
        int from = lowerBound(first);
        int to = lowerBound(last);
        while (to < billingSorted.length && Arrays.compareUnsigned(billingSorted[to], last) <= 0) {
            to++;
        }
        return ReceiptPrefixTree.of(Arrays.asList(billingSorted).subList(from, to)).answer(query);
    }

    private int lowerBound(byte[] key) {
        int lo = 0;
        int hi = billingSorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(billingSorted[mid], key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
