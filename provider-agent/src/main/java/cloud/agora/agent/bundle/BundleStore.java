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
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Function bundles by CID: fetched once from the storage gateway ({@code GET /ipfs/<cid>}),
 * verified by recomputing the CID of the bytes exactly as {@code ipfs add} would (CIDv0 →
 * dag-pb leaves, CIDv1 → raw leaves, 256 KiB chunks), unpacked safely and kept under
 * {@code <bundles>/<cid>/} for every later call. The directory appears by an atomic rename of a
 * fully written (fsynced) temporary one, so a bundle directory that exists is always complete
 * and verified. Concurrent first calls for one CID share a single fetch.
 *
 * <p>Problems: an invalid or unknown CID → 422 {@code bundle-not-available}; the storage
 * gateway unreachable or failing → 502 {@code bundle-not-available}; bytes that do not hash to
 * the CID → 502 {@code bundle-corrupt}; an archive that is unreadable, too large or unsafe → 422
 * {@code bundle-invalid}. Nothing is cached in any of these cases.
 */
public final class BundleStore {

    private static final Logger LOG = Logger.getLogger(BundleStore.class);
    private static final String PARTIAL = ".partial-";

    private final Path root;
    private final URI storageGateway;
    private final HttpClient http;
    private final Duration timeout;
    private final long maxBundleBytes;
    private final BundleUnpacker unpacker;
    private final Map<String, CompletableFuture<Path>> fetching = new ConcurrentHashMap<>();
    private final AtomicLong fetches = new AtomicLong();

    /**
     * @param root             the bundle cache ({@code <data>/bundles})
     * @param storageGateway   base URL of the storage gateway
     * @param timeout          longest wait for one download
     * @param maxBundleBytes   largest tar.gz accepted
     * @param maxUnpackedBytes largest total of the files a bundle unpacks to
     * @param maxEntries       most entries in one bundle
     */
    public BundleStore(Path root, String storageGateway, Duration timeout, long maxBundleBytes, long maxUnpackedBytes,
            int maxEntries) {
        this.root = root;
        this.storageGateway = URI.create(storageGateway.replaceAll("/+$", "") + "/");
        this.timeout = timeout;
        this.maxBundleBytes = maxBundleBytes;
        this.unpacker = new BundleUnpacker(maxUnpackedBytes, maxEntries);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        try {
            Files.createDirectories(root);
            removePartials();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the bundle cache " + root, e);
        }
    }

    /**
     * The unpacked bundle named by {@code bundle} (a CID), fetched and verified on first use.
     *
     * @param bundle  the CID as text
     * @param leaseId for problem details only
     * @throws InvocationRejectedException when the bundle cannot be had (see the class comment)
     */
    public Path resolve(String bundle, UUID leaseId) {
        Cid cid;
        try {
            cid = Cid.parse(bundle);
        } catch (InvalidCidException e) {
            throw new InvocationRejectedException(422, "bundle-not-available", "Bundle not available",
                    "bundle must be the CID of the function's bundle: " + e.getMessage(), leaseId);
        }
        String key = cid.toString();
        Path dir = root.resolve(key);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = fetching.putIfAbsent(key, mine);
        if (running == null) {
            try {
                mine.complete(Files.isDirectory(dir) ? dir : fetch(cid, dir, leaseId));
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
            } finally {
                fetching.remove(key, mine);
            }
            running = mine;
        }
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** How many downloads were started since this store was created. */
    public long fetches() {
        return fetches.get();
    }

    private Path fetch(Cid cid, Path dir, UUID leaseId) {
        fetches.incrementAndGet();
        String partial = PARTIAL + UUID.randomUUID();
        Path archive = root.resolve(partial + ".tar.gz");
        Path staging = root.resolve(partial);
        try {
            download(cid, archive, leaseId);
            Files.createDirectory(staging);
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (InputStream in = Files.newInputStream(archive)) {
                unpacker.unpack(in, staging);
            } catch (BundleUnpacker.UnsafeBundleException e) {
                throw new InvocationRejectedException(422, "bundle-invalid", "Bundle invalid",
                        "bundle " + cid + " cannot be used: " + e.getMessage(), leaseId);
            }
            syncDirectory(staging);
            try {
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // another agent process sharing the data dir got there first: its copy is as good
            }
            syncDirectory(root);
            LOG.infof("bundle %s fetched, verified and unpacked", cid);
            return dir;
        } catch (IOException e) {
            throw new InvocationRejectedException(502, "bundle-not-available", "Bundle not available",
                    "cannot store bundle " + cid + " on this provider: " + e.getMessage(), leaseId);
        } finally {
            deleteTree(archive);
            deleteTree(staging);
        }
    }

    /** Streams the body to {@code archive} while recomputing its CID; refuses a mismatch. */
    private void download(Cid cid, Path archive, UUID leaseId) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(storageGateway.resolve("ipfs/" + cid)).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unavailable(502, cid, "the storage gateway cannot be reached: " + e, leaseId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(502, cid, "interrupted", leaseId);
        }
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404 || status == 400 || status == 410) {
                throw unavailable(422, cid, "the storage gateway does not have it (HTTP " + status + ")", leaseId);
            }
            if (status != 200) {
                throw unavailable(502, cid, "the storage gateway answered HTTP " + status, leaseId);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBundleBytes) {
                throw new InvocationRejectedException(422, "bundle-invalid", "Bundle invalid", "bundle " + cid + " has "
                        + declared + " bytes, this provider accepts at most " + maxBundleBytes, leaseId);
            }
            FileImporter.Imported imported;
            try (FileChannel file = FileChannel.open(archive, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = java.nio.channels.Channels.newOutputStream(file)) {
                Tee tee = new Tee(body, out, maxBundleBytes);
                try {
                    imported = FileImporter.importFile(tee, DagLayout.forCidVersion(cid.version()), (c, b, n) -> { });
                } catch (IOException e) {
                    if (tee.overLimit) {
                        throw new InvocationRejectedException(422, "bundle-invalid", "Bundle invalid", "bundle " + cid
                                + " has more than " + maxBundleBytes + " bytes, the most this provider accepts", leaseId);
                    }
                    throw unavailable(502, cid, "the download broke off: " + e.getMessage(), leaseId);
                }
                file.force(true);
            }
            if (!imported.root().equals(cid)) {
                LOG.warnf("bundle %s from the storage gateway hashes to %s: refused", cid, imported.root());
                throw new InvocationRejectedException(502, "bundle-corrupt", "Bundle corrupt", "the bytes the storage gateway "
                        + "sent for " + cid + " hash to " + imported.root() + ": refused", leaseId);
            }
        }
    }

    private static InvocationRejectedException unavailable(int status, Cid cid, String why, UUID leaseId) {
        return new InvocationRejectedException(status, "bundle-not-available", "Bundle not available",
                "bundle " + cid + " is not available: " + why, leaseId);
    }

    private void removePartials() throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(PARTIAL)).toList()) {
                deleteTree(p);
            }
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static void deleteTree(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            List<Path> all = new ArrayList<>(paths.toList());
            all.sort(Comparator.reverseOrder());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", path, e.getMessage());
        }
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
