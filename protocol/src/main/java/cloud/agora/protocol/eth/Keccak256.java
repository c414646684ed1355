package cloud.agora.protocol.eth;

import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * Ethereum's keccak-256 with one digest per thread, reset by each hash. Same bytes as web3j's {@code Hash.sha3},
 * which builds a new digest (and its sponge) for every call: that construction was a quarter of the hashing time
 * while billing ingested receipts (several hashes each; see the protocol README).
 */
public final class Keccak256 {

    private static final ThreadLocal<KeccakDigest> DIGEST = ThreadLocal.withInitial(() -> new KeccakDigest(256));

    private Keccak256() {
    }

    public static byte[] hash(byte[] input) {
        return hash(input, 0, input.length);
    }

    public static byte[] hash(byte[] input, int offset, int length) {
        KeccakDigest digest = DIGEST.get();
        digest.update(input, offset, length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0); // and resets the digest for the thread's next hash
        return out;
    }
}
