package cloud.agora.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;

class ReceiptMerkleTreeTest {

    static List<byte[]> leaves(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Hash.sha3(("receipt-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void provesEveryLeafForTreesOfManySizes() {
        for (int n = 1; n <= 17; n++) {
            List<byte[]> leaves = leaves(n);
            ReceiptMerkleTree tree = ReceiptMerkleTree.of(leaves);
            assertThat(tree.size()).isEqualTo(n);
            for (byte[] leaf : leaves) {
                assertThat(ReceiptMerkleTree.verify(tree.proof(leaf), tree.root(), leaf)).as("n=%d", n).isTrue();
            }
        }
    }

    @Test
    void rootOfTwoIsTheSortedPairHash() {
        List<byte[]> two = leaves(2);
        byte[] a = two.get(0);
        byte[] b = two.get(1);
        byte[] lo = java.util.Arrays.compareUnsigned(a, b) < 0 ? a : b;
        byte[] hi = lo == a ? b : a;
        byte[] concat = new byte[64];
        System.arraycopy(lo, 0, concat, 0, 32);
        System.arraycopy(hi, 0, concat, 32, 32);
        assertThat(ReceiptMerkleTree.of(two).root()).isEqualTo(Hash.sha3(concat));
    }

    @Test
    void rootDependsOnlyOnTheSetOfReceipts() {
        List<byte[]> leaves = leaves(9);
        byte[] root = ReceiptMerkleTree.of(leaves).root();
        List<byte[]> shuffled = new ArrayList<>(leaves);
        Collections.shuffle(shuffled, new Random(7));
        shuffled.add(leaves.get(3));
        assertThat(ReceiptMerkleTree.of(shuffled).root()).isEqualTo(root);
        assertThat(ReceiptMerkleTree.of(leaves.subList(0, 8)).root()).isNotEqualTo(root);
    }

    @Test
    void emptyAndSingleTrees() {
        assertThat(ReceiptMerkleTree.of(List.of()).root()).isEqualTo(new byte[32]);
        byte[] one = leaves(1).get(0);
        assertThat(ReceiptMerkleTree.of(List.of(one)).root()).isEqualTo(one);
        assertThat(ReceiptMerkleTree.of(List.of(one)).proof(one)).isEmpty();
    }

    @Test
    void rejectsAMissingLeafAndAWrongProof() {
        List<byte[]> leaves = leaves(5);
        ReceiptMerkleTree tree = ReceiptMerkleTree.of(leaves);
        byte[] stranger = Hash.sha3("stranger".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> tree.proof(stranger)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ReceiptMerkleTree.verify(tree.proof(leaves.get(0)), tree.root(), stranger)).isFalse();
        assertThat(ReceiptMerkleTree.verify(tree.proof(leaves.get(0)), tree.root(), leaves.get(1))).isFalse();
        assertThatThrownBy(() -> ReceiptMerkleTree.of(List.of(new byte[31]))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void buildsOverReceipts() {
        var r = UsageReceiptTest.receipt();
        assertThat(ReceiptMerkleTree.ofReceipts(List.of(r)).root()).isEqualTo(r.hash());
    }
}
