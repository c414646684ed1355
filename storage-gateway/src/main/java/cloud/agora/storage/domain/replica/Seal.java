package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A replica's seal: the form its blocks take on the provider, which the provider cannot make from public content.
 * A sealed block is AES-256-CTR of the plain block under the replica's own random key, with the IV the first 16
 * bytes of {@code sha256(plain CID's bytes)}; it is stored on the agent under its own CID (CIDv1, raw, sha2-256 of
 * the sealed bytes), so the agent checks it as any block and audits are over the sealed bytes.
 *
 * <p>Why: the DAG is public ({@code GET /ipfs/{cid}}), so a proof over the plain block proves only that the provider
 * can fetch it when asked, not that it kept it. Without the key, which never leaves the gateway, the sealed bytes
 * exist only where they were stored. The key is per replica, so two providers' copies share no byte pattern and no
 * CID, and a provider does not learn which content it holds. Within a replica every block has its own IV (blocks are
 * distinct by CID), so no keystream is used twice; the key is fresh per replica, so across replicas neither is it.
 * Deterministic: the same key, CID and block always give the same sealed block, so the gateway recomputes what it
 * expects from its own verified copy instead of remembering the sealed CIDs.
 */
public final class Seal {

    /** Key length (AES-256). */
    public static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 16;

    private final byte[] key;

    private Seal(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a seal key has " + KEY_BYTES + " bytes, not " + key.length);
        }
        this.key = key.clone();
    }

    /** A fresh seal with a random key. */
    public static Seal generate(SecureRandom random) {
        byte[] key = new byte[KEY_BYTES];
        random.nextBytes(key);
        return new Seal(key);
    }

    /** The seal of a stored key. */
    public static Seal of(byte[] key) {
        return new Seal(key);
    }

    /** The key, to be stored in the gateway's database and nowhere else. */
    public byte[] key() {
        return key.clone();
    }

    /**
     * Seals one block of the DAG.
     *
     * @param cid   the plain block's CID (it picks the IV)
     * @param block the plain block, already verified against {@code cid}
     */
    public Sealed seal(Cid cid, byte[] block) {
        byte[] sealed = crypt(cid, block);
        return new Sealed(Cid.of(1, Cid.RAW, sealed), sealed);
    }

    /** The plain block back from its sealed bytes (the caller verifies it against {@code cid}). */
    public byte[] unseal(Cid cid, byte[] sealed) {
        return crypt(cid, sealed);
    }

    private byte[] crypt(Cid cid, byte[] input) {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv(cid)));
            return aes.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CTR is not available", e);
        }
    }

    private static byte[] iv(Cid cid) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(cid.bytes()), IV_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "Seal[AES-256-CTR]";
    }

    /**
     * A block as a replica stores it.
     *
     * @param cid   the sealed bytes' own CID (CIDv1, raw, sha2-256), the name the agent stores and is challenged by
     * @param bytes the sealed bytes
     */
    public record Sealed(Cid cid, byte[] bytes) {
    }
}
