package cloud.agora.agent.bundle;

import cloud.agora.agent.invocation.InvocationRejectedException;
import cloud.agora.ipld.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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

    private static final CidFetcher.Kind BUNDLE = new CidFetcher.Kind("bundle", "bundle-invalid");

    private final Path root;
    private final CidFetcher fetcher;
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
        this.fetcher = new CidFetcher(storageGateway, timeout);
        this.maxBundleBytes = maxBundleBytes;
        this.unpacker = new BundleUnpacker(maxUnpackedBytes, maxEntries);
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
        Cid cid = fetcher.parse(bundle, BUNDLE, leaseId);
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
            fetcher.download(cid, archive, maxBundleBytes, BUNDLE, leaseId);
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
}
