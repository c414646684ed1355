package cloud.agora.agent.bundle;

import cloud.agora.agent.invocation.InvocationRejectedException;
import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import cloud.agora.ipld.InvalidCidException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Content by CID from the storage gateway ({@code GET /ipfs/<cid>}), streamed to a file while the CID is recomputed
 * from the bytes exactly as {@code ipfs add} would (CIDv0 → dag-pb leaves, CIDv1 → raw leaves, 256 KiB chunks); bytes
 * that do not hash to the CID are refused. Shared by function bundles and function images, whose problems differ
 * only in their noun.
 *
 * <p>Problems ({@code <noun>} = {@code bundle} or {@code image}): an invalid CID, or one the storage gateway does not
 * have → 422 {@code <noun>-not-available}; the gateway unreachable, failing or breaking off → 502
 * {@code <noun>-not-available}; bytes that do not hash to the CID → 502 {@code <noun>-corrupt}; more bytes than
 * accepted → 422 with the kind's too-large slug.
 */
public final class CidFetcher {

    private static final Logger LOG = Logger.getLogger(CidFetcher.class);

    /**
     * What is fetched, for problem details.
     *
     * @param noun         {@code bundle}, {@code image}
     * @param tooLargeSlug the problem when it has more bytes than accepted
     */
    public record Kind(String noun, String tooLargeSlug) {
    }

    private final URI storageGateway;
    private final HttpClient http;
    private final Duration timeout;

    public CidFetcher(String storageGateway, Duration timeout) {
        this.storageGateway = URI.create(storageGateway.replaceAll("/+$", "") + "/");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** {@code text} as a CID, or 422 {@code <noun>-not-available}. */
    public Cid parse(String text, Kind kind, UUID id) {
        try {
            return Cid.parse(text);
        } catch (InvalidCidException e) {
            throw problem(422, kind.noun() + "-not-available", kind.noun() + " must be the CID of the function's "
                    + kind.noun() + ": " + e.getMessage(), id);
        }
    }

    /**
     * Streams {@code cid}'s bytes into the new file {@code file} (fsynced) while recomputing the CID; refuses a
     * mismatch or more than {@code maxBytes}. On a refusal the caller deletes {@code file}.
     *
     * @throws IOException when {@code file} cannot be written on this machine
     */
    public void download(Cid cid, Path file, long maxBytes, Kind kind, UUID id) throws IOException {
        String noun = kind.noun();
        HttpRequest request = HttpRequest.newBuilder(storageGateway.resolve("ipfs/" + cid)).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unavailable(502, kind, cid, "the storage gateway cannot be reached: " + e, id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(502, kind, cid, "interrupted", id);
        }
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404 || status == 400 || status == 410) {
                throw unavailable(422, kind, cid, "the storage gateway does not have it (HTTP " + status + ")", id);
            }
            if (status != 200) {
                throw unavailable(502, kind, cid, "the storage gateway answered HTTP " + status, id);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBytes) {
                throw problem(422, kind.tooLargeSlug(), noun + " " + cid + " has " + declared
                        + " bytes, this provider accepts at most " + maxBytes, id);
            }
            FileImporter.Imported imported;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                Tee tee = new Tee(body, out, maxBytes);
                try {
                    imported = FileImporter.importFile(tee, DagLayout.forCidVersion(cid.version()), (c, b, n) -> { });
                } catch (IOException e) {
                    if (tee.overLimit) {
                        throw problem(422, kind.tooLargeSlug(), noun + " " + cid + " has more than " + maxBytes
                                + " bytes, the most this provider accepts", id);
                    }
                    throw unavailable(502, kind, cid, "the download broke off: " + e.getMessage(), id);
                }
                channel.force(true);
            }
            if (!imported.root().equals(cid)) {
                LOG.warnf("%s %s from the storage gateway hashes to %s: refused", noun, cid, imported.root());
                throw problem(502, noun + "-corrupt", "the bytes the storage gateway sent for " + cid + " hash to "
                        + imported.root() + ": refused", id);
            }
        }
    }

    private static InvocationRejectedException unavailable(int status, Kind kind, Cid cid, String why, UUID id) {
        return problem(status, kind.noun() + "-not-available", kind.noun() + " " + cid + " is not available: " + why, id);
    }

    /** A problem whose title is its slug in words ({@code bundle-not-available} → "Bundle not available"). */
    static InvocationRejectedException problem(int status, String slug, String detail, UUID id) {
        String words = slug.replace('-', ' ');
        String title = words.substring(0, 1).toUpperCase(Locale.ROOT) + words.substring(1);
        return new InvocationRejectedException(status, slug, title, detail, id);
    }

    /** Copies what is read to a file and stops past a byte limit. */
    private static final class Tee extends FilterInputStream {
        private final OutputStream copy;
        private final long limit;
        private long count;
        boolean overLimit;

        Tee(InputStream in, OutputStream copy, long limit) {
            super(in);
            this.copy = copy;
            this.limit = limit;
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
                if (count > limit) {
                    overLimit = true;
                    throw new IOException("over " + limit + " bytes");
                }
                copy.write(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) {
            return 0;
        }
    }
}
