package cloud.agora.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/** The anti-entropy tree and its descent: equal sets, one difference among a million, differences on either side. */
class ReceiptPrefixTreeTest {

    static final UUID LEASE = UUID.fromString("6a1d0f5e-0000-4000-8000-000000000001");
    static final LocalDate DAY = LocalDate.of(2026, 12, 5);

    static List<byte[]> leaves(long seed, int n) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] leaf = new byte[32];
            random.nextBytes(leaf);
            out.add(leaf);
        }
        return out;
    }

    /** The other side as billing is: a tree answering queries, each answer going through its JSON-shaped records. */
    static Function<ReceiptTreeQuery, ReceiptTreeAnswer> side(ReceiptPrefixTree tree, AtomicInteger queries) {
        return q -> {
            queries.incrementAndGet();
            return tree.answer(q);
        };
    }

    static List<String> hex(List<byte[]> leaves) {
        return leaves.stream().map(Numeric::toHexString).sorted().toList();
    }

    @Test
    void equalSetsHaveEqualRootsWhateverTheOrderAndExchangeOnlyTheRoot() {
        List<byte[]> mine = leaves(1, 5_000);
        List<byte[]> theirs = new ArrayList<>(mine);
        Collections.shuffle(theirs, new Random(2));
        theirs.add(mine.get(17).clone()); // a duplicate counts once
        ReceiptPrefixTree here = ReceiptPrefixTree.of(mine);
        ReceiptPrefixTree there = ReceiptPrefixTree.of(theirs);
        assertThat(there.rootHex()).isEqualTo(here.rootHex());
        assertThat(there.size()).isEqualTo(5_000);

        AtomicInteger asked = new AtomicInteger();
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(here, LEASE, DAY, side(there, asked));
        assertThat(d.none()).isTrue();
        assertThat(asked.get()).isEqualTo(1);
        assertThat(d.digests()).isEqualTo(1);
        assertThat(d.leavesReceived()).isZero();
    }

    @Test
    void oneMissingLeafAmongAMillionIsFoundWithLogarithmicallyManyDigests() {
        int n = 1_000_000;
        List<byte[]> mine = leaves(3, n);
        byte[] lost = mine.get(123_456);
        List<byte[]> theirs = new ArrayList<>(mine);
        theirs.remove(123_456);
        ReceiptPrefixTree here = ReceiptPrefixTree.of(mine);
        ReceiptPrefixTree there = ReceiptPrefixTree.of(theirs);
        assertThat(here.rootHex()).isNotEqualTo(there.rootHex());

        AtomicInteger asked = new AtomicInteger();
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(here, LEASE, DAY, side(there, asked));

        assertThat(hex(d.missingThere())).containsExactly(Numeric.toHexString(lost));
        assertThat(d.onlyThere()).isEmpty();
        int bits = 64 - Long.numberOfLeadingZeros(n - 1); // ceil(log2 n) = 20
        // the root, then two children per level until the other side's node is a bucket: at most one level per bit of n
        assertThat(d.digests()).isLessThanOrEqualTo(2 * bits + 1);
        assertThat(d.queries()).isEqualTo(asked.get()).isLessThanOrEqualTo(bits + 1);
        assertThat(d.leavesReceived()).isLessThanOrEqualTo(ReceiptPrefixTree.BUCKET);
    }

    @Test
    void aLeafOnlyTheOtherSideHoldsIsReported() {
        List<byte[]> mine = leaves(4, 20_000);
        List<byte[]> theirs = new ArrayList<>(mine);
        byte[] extra = leaves(5, 1).get(0);
        theirs.add(extra);
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(ReceiptPrefixTree.of(mine), LEASE, DAY,
                side(ReceiptPrefixTree.of(theirs), new AtomicInteger()));
        assertThat(d.missingThere()).isEmpty();
        assertThat(hex(d.onlyThere())).containsExactly(Numeric.toHexString(extra));
    }

    @Test
    void randomDifferencesOnBothSidesAreFoundExactly() {
        Random random = new Random(6);
        for (int round = 0; round < 30; round++) {
            int n = random.nextInt(3_000);
            List<byte[]> common = leaves(100 + round, n);
            List<byte[]> mine = new ArrayList<>(common);
            List<byte[]> theirs = new ArrayList<>();
            List<byte[]> missing = new ArrayList<>();
            for (byte[] leaf : common) {
                if (random.nextInt(50) == 0) {
                    missing.add(leaf);
                } else {
                    theirs.add(leaf);
                }
            }
            List<byte[]> extra = leaves(1_000 + round, random.nextInt(20));
            theirs.addAll(extra);
            Collections.shuffle(theirs, random);

            ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(ReceiptPrefixTree.of(mine), LEASE, DAY,
                    side(ReceiptPrefixTree.of(theirs), new AtomicInteger()));
            assertThat(hex(d.missingThere())).as("round %d", round).isEqualTo(hex(missing));
            assertThat(hex(d.onlyThere())).as("round %d", round).isEqualTo(hex(extra));
        }
    }

    @Test
    void anEmptySideIsAnsweredInOneQuery() {
        List<byte[]> mine = leaves(7, 1_000);
        AtomicInteger asked = new AtomicInteger();
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(ReceiptPrefixTree.of(mine), LEASE, DAY,
                side(ReceiptPrefixTree.of(List.of()), asked));
        assertThat(hex(d.missingThere())).isEqualTo(hex(mine));
        assertThat(asked.get()).isEqualTo(1);
        assertThat(ReceiptPrefixTree.of(List.of()).root()).isEqualTo(new byte[32]);
    }

    @Test
    void aNodeCoversTheLeavesStartingWithItsBits() {
        List<byte[]> mine = leaves(8, 100);
        ReceiptPrefixTree tree = ReceiptPrefixTree.of(mine);
        ReceiptTreeNode zero = tree.node("0");
        ReceiptTreeNode one = tree.node("1");
        assertThat(zero.count() + one.count()).isEqualTo(100);
        long zeros = mine.stream().filter(l -> (l[0] & 0x80) == 0).count();
        assertThat(zero.count()).isEqualTo(zeros);
        ReceiptTreeNode small = tree.node("0101");
        assertThat(small.count()).isLessThanOrEqualTo(ReceiptPrefixTree.BUCKET);
        assertThat(small.leaves()).hasSize((int) small.count())
                .allSatisfy(h -> assertThat(ReceiptPrefixTree.covers("0101", Numeric.hexStringToByteArray(h))).isTrue());
        assertThat(tree.node("").leaves()).isNull();
        // the root is keccak(0x01 ‖ digest("0") ‖ digest("1"))
        byte[] input = new byte[65];
        input[0] = 1;
        System.arraycopy(Numeric.hexStringToByteArray(zero.digest()), 0, input, 1, 32);
        System.arraycopy(Numeric.hexStringToByteArray(one.digest()), 0, input, 33, 32);
        assertThat(Numeric.toHexString(cloud.agora.protocol.eth.Keccak256.hash(input))).isEqualTo(tree.rootHex());
    }

    @Test
    void aNodesHashRangeIsItsBitsPaddedWithZerosThenOnes() {
        assertThat(Numeric.toHexString(ReceiptPrefixTree.firstHash(""))).isEqualTo("0x" + "00".repeat(32));
        assertThat(Numeric.toHexString(ReceiptPrefixTree.lastHash(""))).isEqualTo("0x" + "ff".repeat(32));
        assertThat(Numeric.toHexString(ReceiptPrefixTree.firstHash("1010"))).isEqualTo("0xa0" + "00".repeat(31));
        assertThat(Numeric.toHexString(ReceiptPrefixTree.lastHash("101000001"))).isEqualTo("0xa0ff" + "ff".repeat(30));
        for (byte[] leaf : leaves(11, 200)) {
            String p = "0110".substring(0, 1 + (leaf[1] & 3));
            boolean inside = Arrays.compareUnsigned(ReceiptPrefixTree.firstHash(p), leaf) <= 0
                    && Arrays.compareUnsigned(leaf, ReceiptPrefixTree.lastHash(p)) <= 0;
            assertThat(inside).isEqualTo(ReceiptPrefixTree.covers(p, leaf));
        }
    }

    @Test
    void refusesMalformedQueries() {
        assertThatThrownBy(() -> new ReceiptTreeQuery(LEASE, DAY, List.of("012"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReceiptTreeQuery(LEASE, DAY, List.of("0".repeat(257))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReceiptTreeQuery(LEASE, DAY, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReceiptTreeQuery(LEASE, DAY, List.of("0", "0"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReceiptTreeQuery(null, DAY, List.of(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReceiptTreeQuery(LEASE, DAY, java.util.Arrays.asList("0", null)))
                .isInstanceOf(IllegalArgumentException.class);
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= ReceiptTreeQuery.MAX_PREFIXES; i++) {
            tooMany.add(Integer.toBinaryString(i + 1024));
        }
        assertThatThrownBy(() -> new ReceiptTreeQuery(LEASE, DAY, tooMany)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAnswerLackingAnAskedNodeAbandonsTheDescent() {
        assertThatThrownBy(() -> ReceiptTreeDescent.compare(ReceiptPrefixTree.of(leaves(9, 10)), LEASE, DAY,
                q -> new ReceiptTreeAnswer(LEASE, DAY, List.of()))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void leavesOutsideTheirNodeInAnAnswerAreIgnored() {
        List<byte[]> mine = leaves(10, 3);
        byte[] startsWithZero = new byte[32];
        byte[] startsWithOne = new byte[32];
        startsWithOne[0] = (byte) 0x80;
        // the root answered as a large node, then each half answered with a leaf of the other half
        ReceiptTreeDescent.Differences d = ReceiptTreeDescent.compare(ReceiptPrefixTree.of(mine), LEASE, DAY,
                q -> new ReceiptTreeAnswer(LEASE, DAY, q.prefixes().stream().map(p -> p.isEmpty()
                        ? new ReceiptTreeNode(p, Numeric.toHexString(new byte[32]), 100, null)
                        : new ReceiptTreeNode(p, Numeric.toHexString(new byte[32]), 1,
                                List.of(Numeric.toHexString(p.equals("0") ? startsWithOne : startsWithZero)))).toList()));
        assertThat(d.onlyThere()).isEmpty();
        assertThat(hex(d.missingThere())).isEqualTo(hex(mine));
    }
}
