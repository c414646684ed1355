package cloud.agora.protocol.eth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

class PrecomputedNonceSignerTest {

    private final SecureRandom random = new SecureRandom();

    @Test
    void signaturesWithReadyNoncesAreLowSAndRecoverTheSigner() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        PrecomputedNonceSigner signer = new PrecomputedNonceSigner(key, 64, random);
        signer.refill();
        assertEquals(64, signer.ready());
        int v28 = 0;
        for (int i = 0; i < 300; i++) {
            byte[] message = ("grant " + i).getBytes(StandardCharsets.UTF_8);
            Sign.SignatureData signature = signer.signPrefixed(message);
            assertEquals(key.getPublicKey(), Sign.signedPrefixedMessageToKey(message, signature));
            assertTrue(new BigInteger(1, signature.getS()).compareTo(PersonalSignature.HALF_CURVE_ORDER) <= 0, "low s");
            v28 += signature.getV()[0] == 28 ? 1 : 0;
        }
        // 64 signatures used ready nonces, the rest were made whole: both kinds recovered the key above
        assertEquals(0, signer.ready());
        assertTrue(v28 > 90 && v28 < 210, "v=28 in " + v28 + "/300");
    }

    @Test
    void wantsARefillOnceHalfItsNoncesAreUsed() {
        PrecomputedNonceSigner signer = new PrecomputedNonceSigner(ECKeyPair.create(BigInteger.TEN), 8, random);
        assertTrue(signer.wantsRefill());
        signer.refill();
        for (int i = 0; i < 3; i++) {
            signer.signHash(new byte[32]);
        }
        assertEquals(5, signer.ready());
        assertTrue(!signer.wantsRefill());
        signer.signHash(new byte[32]);
        assertTrue(signer.wantsRefill());
    }

    /**
     * Two signatures with one nonce give away the key: s1 − s2 = k⁻¹(e1 − e2), so k and then d follow. Signatures made
     * from four threads while two others refill never share an r (the nonce point's x), so no pair allows that.
     */
    @Test
    void noNonceSignsTwoMessagesWhenSignaturesAndRefillsRace() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        PrecomputedNonceSigner signer = new PrecomputedNonceSigner(key, 32, random);
        int signers = 4;
        int each = 250;
        CyclicBarrier start = new CyclicBarrier(signers + 2);
        ExecutorService threads = Executors.newFixedThreadPool(signers + 2);
        try {
            List<Future<List<BigInteger>>> signed = new ArrayList<>();
            for (int t = 0; t < signers; t++) {
                int thread = t;
                signed.add(threads.submit(() -> {
                    start.await();
                    List<BigInteger> rs = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        byte[] hash = Keccak256.hash(("call " + thread + "/" + i).getBytes(StandardCharsets.UTF_8));
                        Sign.SignatureData signature = signer.signHash(hash);
                        assertEquals(key.getPublicKey(), Sign.signedMessageHashToKey(hash, signature));
                        rs.add(new BigInteger(1, signature.getR()));
                    }
                    return rs;
                }));
            }
            List<Future<?>> refills = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                refills.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        signer.refill();
                    }
                    return null;
                }));
            }
            Set<BigInteger> rs = new HashSet<>();
            for (Future<List<BigInteger>> f : signed) {
                rs.addAll(f.get());
            }
            for (Future<?> f : refills) {
                f.get();
            }
            assertEquals(signers * each, rs.size(), "every signature had a nonce of its own");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void onlyHashesAreSignedAndACapacityIsPositive() {
        ECKeyPair key = ECKeyPair.create(BigInteger.TEN);
        assertThrows(IllegalArgumentException.class, () -> new PrecomputedNonceSigner(key, 0, random));
        assertThrows(IllegalArgumentException.class, () -> new PrecomputedNonceSigner(key, 4, random).signHash(new byte[31]));
    }
}
