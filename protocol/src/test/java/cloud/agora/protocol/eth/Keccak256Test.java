package cloud.agora.protocol.eth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;

class Keccak256Test {

    @Test
    void givesWeb3jsBytesForEveryLengthAndSliceHashAfterHash() {
        Random random = new Random(7);
        for (int length = 0; length < 600; length++) {
            byte[] input = new byte[length + 10];
            random.nextBytes(input);
            assertThat(Keccak256.hash(input)).isEqualTo(Hash.sha3(input));
            assertThat(Keccak256.hash(input, 3, length)).isEqualTo(Hash.sha3(input, 3, length));
        }
    }

    @Test
    void threadsHashingAtOnceDoNotMixTheirInputs() {
        IntStream.range(0, 20_000).parallel().forEach(i -> {
            byte[] input = ("receipt " + i).getBytes();
            assertThat(Keccak256.hash(input)).isEqualTo(Hash.sha3(input));
        });
    }
}
