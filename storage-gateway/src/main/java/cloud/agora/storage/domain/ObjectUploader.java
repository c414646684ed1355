package cloud.agora.storage.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import cloud.agora.support.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Stores uploaded files as UnixFS DAGs in the backend, streaming: memory does not grow with the
 * file. An upload is all or nothing: over the size limit, shorter than its declared length, or
 * broken off, or past the account's {@link UploadQuota}, it fails and the backend keeps none of its blocks. Uploads that ended short are counted
 * ({@value #TRUNCATED}), once the backend has dropped what they stored.
 */
@ApplicationScoped
public class ObjectUploader {

    /** The counter of uploads that ended short or broke off. */
    public static final String TRUNCATED = "agora.storage.uploads.truncated";

    private final ContentBackend backend;
    private final StorageConfig config;
    private final UploadQuota quota;
    private final Counter truncated;
    private final StorageMeters meters;

    public ObjectUploader(ContentBackend backend, StorageConfig config, UploadQuota quota, MeterRegistry registry,
            StorageMeters meters) {
        this.backend = backend;
        this.config = config;
        this.quota = quota;
        this.meters = meters;
        this.truncated = Counter.builder(TRUNCATED)
                .description("Uploads that ended short or broke off (none of their blocks stayed)").register(registry);
    }

    /**
     * Stores {@code body} as a file uploaded by {@code owner}, within the account's {@link UploadQuota}.
     *
     * @param cidVersion     0 (what {@code ipfs add} gives) or 1 (raw leaves, {@code --cid-version=1});
     *                       empty for the configured default
     * @param declaredLength the request's Content-Length, when it had one
     * @param bearerToken    the owner's token (to ask billing whether it pays for storage past the free allowance)
     * @throws ObjectTooLargeException   over {@code agora.storage.upload.max-size}
     * @throws QuotaExceededException    past the account's quota (judged from the declared length before anything is
     *                                   read, else as the bytes arrive)
     * @throws StorageNotPaidException   past the free allowance while billing collects nothing from the owner
     * @throws TruncatedUploadException  when the body ends early or breaks off
     */
    public StoredObject upload(Address owner, String bearerToken, InputStream body, OptionalLong cidVersion, OptionalLong declaredLength) {
        try {
            StoredObject stored = store(owner, bearerToken, body, cidVersion, declaredLength);
            meters.uploaded(stored.size());
            return stored;
        } catch (ProblemException e) {
            meters.uploadRefused(e.slug());
            throw e;
        }
    }

    private StoredObject store(Address owner, String bearerToken, InputStream body, OptionalLong cidVersion,
            OptionalLong declaredLength) {
        long version = cidVersion.orElse(config.upload().defaultCidVersion());
        if (version != 0 && version != 1) {
            throw new InvalidUploadException("cid-version must be 0 or 1, not " + version);
        }
        long max = config.upload().maxSize();
        if (declaredLength.isPresent() && declaredLength.getAsLong() > max) {
            throw new ObjectTooLargeException(max);
        }
        UploadQuota.Hold hold = quota.hold(owner, bearerToken, declaredLength, max);
        StoredObject stored = null;
        try {
            FileImporter.Imported imported = backend.add(new CheckedBody(body, max, hold.bytes(),
                    () -> quota.exceeded(hold), declaredLength), DagLayout.forCidVersion((int) version));
            stored = new StoredObject(imported.root(), imported.size());
            return stored;
        } catch (TruncatedUploadException e) {
            truncated.increment();
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("storing an upload in the " + backend.name() + " backend", e);
        } finally {
            quota.release(hold, stored);
        }
    }

    /** Counts the body, enforces the size limit and the quota's hold, and turns a short or broken body into a problem. */
    private static final class CheckedBody extends FilterInputStream {

        private final long max;
        private final long held;
        private final Supplier<RuntimeException> overQuota;
        private final OptionalLong declared;
        private long received;

        CheckedBody(InputStream in, long max, long held, Supplier<RuntimeException> overQuota,
                OptionalLong declared) {
            super(in);
            this.max = max;
            this.held = held;
            this.overQuota = overQuota;
            this.declared = declared;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (IOException e) {
                throw new TruncatedUploadException(received, e.getMessage() == null ? e.toString() : e.getMessage());
            }
            if (n < 0) {
                if (declared.isPresent() && received != declared.getAsLong()) {
                    throw new TruncatedUploadException(received, declared.getAsLong());
                }
                return n;
            }
            received += n;
            if (received > max) {
                throw new ObjectTooLargeException(max);
            }
            if (received > held) {
                throw overQuota.get();
            }
            return n;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException("uploads are read, not skipped");
        }
    }
}
