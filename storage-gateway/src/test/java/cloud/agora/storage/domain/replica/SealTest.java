package cloud.agora.storage.domain.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.ipld.Cid;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SealTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] block(int size, long seed) {
        byte[] block = new byte[size];
        new Random(seed).nextBytes(block);
        return block;
    }

    @Test
    void unsealingGivesBackTheBlockItsCidNames() {
        Seal seal = Seal.generate(RANDOM);
        for (int size : new int[] {0, 1, 15, 16, 17, 1000, 262_144}) {
            byte[] block = block(size, size);
            Cid cid = Cid.of(1, Cid.RAW, block);
            Seal.Sealed sealed = seal.seal(cid, block);
            assertThat(sealed.bytes()).hasSize(size);
            assertThat(cid.matches(seal.unseal(cid, sealed.bytes()))).as("%d bytes", size).isTrue();
        }
    }

    @Test
    void theSealedBlockIsNamedByItsOwnRawCidNotThePlainOne() {
        byte[] block = "hello world\n".getBytes(StandardCharsets.US_ASCII);
        Cid plain = Cid.of(0, Cid.DAG_PB, block);
        Seal.Sealed sealed = Seal.generate(RANDOM).seal(plain, block);
        assertThat(sealed.cid().version()).isEqualTo(1);
        assertThat(sealed.cid().codec()).isEqualTo(Cid.RAW);
        assertThat(sealed.cid().matches(sealed.bytes())).isTrue();
        assertThat(sealed.cid().digest()).isNotEqualTo(plain.digest());
        assertThat(sealed.bytes()).isNotEqualTo(block);
    }

    @Test
    void twoLeasesHoldDifferentBytesUnderDifferentCidsForTheSameBlock() {
        byte[] block = block(262_144, 1);
        Cid cid = Cid.of(1, Cid.RAW, block);
        Seal.Sealed one = Seal.generate(RANDOM).seal(cid, block);
        Seal.Sealed other = Seal.generate(RANDOM).seal(cid, block);
        assertThat(one.cid()).isNotEqualTo(other.cid());
        int same = 0;
        for (int i = 0; i < block.length; i++) {
            same += one.bytes()[i] == other.bytes()[i] ? 1 : 0;
        }
        assertThat(same).as("bytes equal by chance (about 1 in 256)").isLessThan(block.length / 128);
    }

    @Test
    void theSameKeyCidAndBlockAlwaysSealAlike() {
        byte[] key = block(Seal.KEY_BYTES, 2);
        byte[] block = block(5000, 3);
        Cid cid = Cid.of(1, Cid.RAW, block);
        Seal.Sealed first = Seal.of(key).seal(cid, block);
        Seal.Sealed again = Seal.of(key.clone()).seal(cid, block.clone());
        assertThat(again.cid()).isEqualTo(first.cid());
        assertThat(again.bytes()).isEqualTo(first.bytes());
    }

    @Test
    void twoBlocksOfOneLeaseNeverShareAKeystream() {
        // equal content under two CIDs (the same bytes as a raw leaf and as a dag-pb block): distinct IVs, so
        // XOR-ing the sealed forms does not give the XOR of the plain ones (zero)
        Seal seal = Seal.generate(RANDOM);
        byte[] block = block(4096, 4);
        Seal.Sealed raw = seal.seal(Cid.of(1, Cid.RAW, block), block);
        Seal.Sealed pb = seal.seal(Cid.of(1, Cid.DAG_PB, block), block);
        assertThat(raw.bytes()).isNotEqualTo(pb.bytes());
    }

    @Test
    void itIsAes256CtrUnderTheKeyWithTheCidsDigestAsIv() throws Exception {
        // known answer: computed here with the JDK's cipher from the documented parameters
        byte[] key = HexFormat.of().parseHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        byte[] block = "hello world\n".getBytes(StandardCharsets.US_ASCII);
        Cid cid = Cid.parse("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        byte[] iv = java.util.Arrays.copyOf(java.security.MessageDigest.getInstance("SHA-256").digest(cid.bytes()), 16);
        Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        assertThat(Seal.of(key).seal(cid, block).bytes()).isEqualTo(aes.doFinal(block));
    }

    @Test
    void aKeyOfAnyOtherLengthIsRefusedAndTheKeyIsNeverPrinted() {
        assertThatThrownBy(() -> Seal.of(new byte[16])).isInstanceOf(IllegalArgumentException.class);
        byte[] key = block(Seal.KEY_BYTES, 5);
        assertThat(Seal.of(key).toString()).doesNotContain(HexFormat.of().formatHex(key).substring(0, 8));
    }
}
