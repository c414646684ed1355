package cloud.agora.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Counts (and, if asked, SHA-256 hashes) what is read through it, and stops with a {@link Refusal} once a shared
 * byte budget is spent.
 */
final class HashingInputStream extends FilterInputStream {

    /** A byte budget shared by several streams (the layers of one image). */
    static final class Budget {
        private final long limit;
        private long used;

        Budget(long limit) {
            this.limit = limit;
        }

        long used() {
            return used;
        }

        void spend(long n) throws Refusal {
            used += n;
            if (used > limit) {
                throw new Refusal(ImageRejectedException.tooLarge("the image's layers unpack to more than " + limit
                        + " bytes, the most accepted"));
            }
        }
    }

    /** An image refusal travelling through code that only throws {@link IOException}. */
    static final class Refusal extends IOException {
        final ImageRejectedException rejection;

        Refusal(ImageRejectedException rejection) {
            super(rejection.getMessage());
            this.rejection = rejection;
        }
    }

    private final MessageDigest sha256;
    private final Budget budget;
    private long count;

    HashingInputStream(InputStream in, boolean hash, Budget budget) {
        super(in);
        this.budget = budget;
        try {
            this.sha256 = hash ? MessageDigest.getInstance("SHA-256") : null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
            if (sha256 != null) {
                sha256.update(b, off, n);
            }
            if (budget != null) {
                budget.spend(n);
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(n, 65536)];
        int read = read(buffer, 0, buffer.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads to the end (what follows the tar's end markers counts too). */
    void drain() throws IOException {
        byte[] buffer = new byte[65536];
        while (read(buffer, 0, buffer.length) >= 0) {
            // counted and hashed by read
        }
    }

    long count() {
        return count;
    }

    /** {@code sha256:<hex>} of everything read. */
    String digest() {
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }

    static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
