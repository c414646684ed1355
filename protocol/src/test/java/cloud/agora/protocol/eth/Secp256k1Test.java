package cloud.agora.protocol.eth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

class Secp256k1Test {

    private final SecureRandom random = new SecureRandom();

    @org.junit.jupiter.params.ParameterizedTest(name = "libsecp256k1: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void signaturesAreByteForByteWeb3jsAndRecoverTheSigner(boolean nativeCurve) throws Exception {
        int v28 = 0;
        for (int i = 0; i < 300; i++) {
            ECKeyPair key = Keys.createEcKeyPair();
            byte[] hash = new byte[32];
            random.nextBytes(hash);
            Sign.SignatureData ours = Secp256k1.signHash(hash, key, nativeCurve);
            Sign.SignatureData web3j = Sign.signMessage(hash, key, false);
            assertSame(web3j, ours);
            assertEquals(key.getPublicKey(), Sign.signedMessageHashToKey(hash, ours));
            v28 += ours.getV()[0] == 28 ? 1 : 0;
        }
        // v is 27 or 28 by the parity of R's y (flipped with a high s): a constant v means no recovery id was computed
        org.junit.jupiter.api.Assertions.assertTrue(v28 > 90 && v28 < 210, "v=28 in " + v28 + "/300");
    }

    @Test
    void personalSignMatchesWeb3j() {
        ECKeyPair key = ECKeyPair.create(new BigInteger("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 16));
        for (String message : new String[] {"", "hello", "agora.cloud wants you to sign in", "ünïcødé ✓"}) {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            assertSame(Sign.signPrefixedMessage(bytes, key), Secp256k1.signPrefixed(bytes, key));
        }
    }

    @Test
    void onlyHashesAreSigned() {
        ECKeyPair key = ECKeyPair.create(BigInteger.TEN);
        assertThrows(IllegalArgumentException.class, () -> Secp256k1.signHash(new byte[31], key));
    }

    private static void assertSame(Sign.SignatureData expected, Sign.SignatureData actual) {
        assertArrayEquals(expected.getR(), actual.getR(), "r");
        assertArrayEquals(expected.getS(), actual.getS(), "s");
        assertArrayEquals(expected.getV(), actual.getV(), "v");
    }
}
