package cloud.agora.agent.image;

import cloud.agora.agent.bundle.CidFetcher;
import cloud.agora.agent.invocation.InvocationRejectedException;
import cloud.agora.ipld.Cid;
import cloud.agora.oci.ImageConfig;
import cloud.agora.oci.ImageRejectedException;
import cloud.agora.oci.OciImages;
import cloud.agora.oci.OciLimits;
import cloud.agora.oci.VerifiedImage;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Function images by CID: the image archive (OCI layout tar, docker save, Jib tar) is fetched from the storage
 * gateway and verified against its CID exactly as bundles are ({@link CidFetcher}), verified as an image by the
 * {@code oci} module (every blob, config and layer digest, every entry's rules, the limits), and unpacked once per
 * manifest digest into {@code <images>/sha256-<hex>/rootfs} with {@code image.json} (digests and run config) next to
 * it. The directory appears by an atomic rename of a complete, fsynced {@code .partial-<uuid>} one, so an image
 * directory that exists is always complete and verified; {@code cids/<cid>} then names its digest, so a later call
 * (after a restart too) downloads nothing. Concurrent first calls for one CID share one download, and concurrent
 * unpacks of one digest (two archives of the same image) share one unpack. {@code .partial-*} leftovers of a crash
 * are removed when the store is created.
 *
 * <p>Problems: an invalid or unknown CID → 422 {@code image-not-available}; the storage gateway unreachable or
 * failing → 502 {@code image-not-available}; bytes that do not hash to the CID → 502 {@code image-corrupt}; an
 * archive over the byte limit → 422 {@code image-too-large}; an image the {@code oci} module refuses → 422 with its
 * slug ({@code image-invalid}, {@code image-too-large}, {@code image-unsupported}) and detail; this machine unable to
 * store it → 502 {@code image-not-available}. Nothing is kept in any of these cases.
 */
public final class ImageStore {

    private static final Logger LOG = Logger.getLogger(ImageStore.class);
    private static final CidFetcher.Kind IMAGE = new CidFetcher.Kind("image", "image-too-large");
    private static final String PARTIAL = ".partial-";
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@code image.json} holds. */
    record ImageRecord(String manifestDigest, String configDigest, ImageConfig config) {
    }

    private final Path root;
    private final Path cids;
    private final CidFetcher fetcher;
    private final OciLimits limits;
    private final Map<String, PreparedImage> prepared = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<PreparedImage>> fetching = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<PreparedImage>> unpacking = new ConcurrentHashMap<>();
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong unpacks = new AtomicLong();

    /**
     * @param root    the image cache ({@code <data>/images})
     * @param fetcher downloads by CID, verified
     * @param limits  archive bytes, unpacked bytes and entries accepted per image
     */
    public ImageStore(Path root, CidFetcher fetcher, OciLimits limits) {
        this.root = root;
        this.cids = root.resolve("cids");
        this.fetcher = fetcher;
        this.limits = limits;
        try {
            Files.createDirectories(cids);
            removePartials(root);
            removePartials(cids);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the image cache " + root, e);
        }
    }

    /**
     * The image named by {@code cid}, fetched, verified and unpacked on first use.
     *
     * @param cid     the CID of the image archive, as text
     * @param leaseId for problem details only
     * @throws InvocationRejectedException when the image cannot be had (see the class comment)
     */
    public PreparedImage image(String cid, UUID leaseId) {
        Cid parsed = fetcher.parse(cid, IMAGE, leaseId);
        String key = parsed.toString();
        PreparedImage known = prepared.get(key);
        if (known != null) {
            return known;
        }
        return shared(fetching, key, () -> {
            PreparedImage kept = kept(key);
            return kept != null ? kept : fetch(parsed, leaseId);
        });
    }

    /** How many downloads were started since this store was created. */
    public long fetches() {
        return fetches.get();
    }

    /** How many images were unpacked since this store was created. */
    public long unpacks() {
        return unpacks.get();
    }

    /** The image a previous fetch of {@code cid} unpacked, if it is still there. */
    private PreparedImage kept(String cid) {
        Path name = cids.resolve(cid);
        try {
            if (!Files.isRegularFile(name, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            String digest = Files.readString(name, StandardCharsets.UTF_8).trim();
            PreparedImage image = DIGEST.matcher(digest).matches() ? load(digest) : null;
            if (image != null) {
                prepared.put(cid, image);
            }
            return image;
        } catch (IOException e) {
            return null;
        }
    }

    private PreparedImage fetch(Cid cid, UUID leaseId) {
        fetches.incrementAndGet();
        Path archive = root.resolve(PARTIAL + UUID.randomUUID() + ".tar");
        try {
            fetcher.download(cid, archive, limits.maxArchiveBytes(), IMAGE, leaseId);
            VerifiedImage verified;
            try {
                verified = OciImages.verify(archive, limits);
            } catch (ImageRejectedException e) {
                throw refused(cid, e, leaseId);
            }
            String digest = verified.manifestDigest();
            PreparedImage image = shared(unpacking, digest, () -> {
                PreparedImage there = loadedOrNull(digest);
                return there != null ? there : unpack(cid, verified, leaseId);
            });
            writeAtomically(cids, cid.toString(), digest.getBytes(StandardCharsets.UTF_8));
            prepared.put(cid.toString(), image);
            return image;
        } catch (IOException e) {
            throw new InvocationRejectedException(502, "image-not-available", "Image not available",
                    "cannot store image " + cid + " on this provider: " + e.getMessage(), leaseId);
        } finally {
            deleteTree(archive);
        }
    }

    private PreparedImage unpack(Cid cid, VerifiedImage verified, UUID leaseId) {
        Path staging = root.resolve(PARTIAL + UUID.randomUUID());
        Path dir = root.resolve(directoryName(verified.manifestDigest()));
        long started = System.nanoTime();
        try {
            Files.createDirectory(staging);
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                OciImages.unpack(verified, staging.resolve("rootfs"));
            } catch (ImageRejectedException e) {
                throw refused(cid, e, leaseId);
            }
            ImageRecord record = new ImageRecord(verified.manifestDigest(), verified.configDigest(), verified.config());
            Files.write(staging.resolve("image.json"), JSON.writeValueAsBytes(record), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            syncTree(staging);
            unpacks.incrementAndGet();
            try {
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another agent process sharing the data dir got there first: its copy is as good
            }
            sync(root);
            LOG.infof("image %s (%s) fetched, verified and unpacked in %d ms: %d layers, %d entries, %d bytes", cid,
                    verified.manifestDigest(), (System.nanoTime() - started) / 1_000_000, verified.layers().size(),
                    verified.entries(), verified.unpackedBytes());
            return new PreparedImage(verified.manifestDigest(), dir.resolve("rootfs"), verified.config());
        } catch (IOException e) {
            throw new InvocationRejectedException(502, "image-not-available", "Image not available",
                    "cannot store image " + cid + " on this provider: " + e.getMessage(), leaseId);
        } finally {
            deleteTree(staging);
        }
    }

    private PreparedImage loadedOrNull(String digest) {
        try {
            return load(digest);
        } catch (IOException e) {
            return null; // unpacked again; the rename then finds the directory there and keeps it
        }
    }

    /** The unpacked image {@code digest}, or null when it is not there. */
    private PreparedImage load(String digest) throws IOException {
        Path dir = root.resolve(directoryName(digest));
        Path json = dir.resolve("image.json");
        if (!Files.isRegularFile(json, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        ImageRecord record = JSON.readValue(json.toFile(), ImageRecord.class);
        return new PreparedImage(record.manifestDigest(), dir.resolve("rootfs"), record.config());
    }

    private static InvocationRejectedException refused(Cid cid, ImageRejectedException e, UUID leaseId) {
        return new InvocationRejectedException(422, e.slug(), e.problem().title(), "image " + cid + " cannot be used: "
                + e.getMessage(), leaseId);
    }

    /** {@code sha256:<hex>} → {@code sha256-<hex>} (no colon: paths with one break mount option lists). */
    static String directoryName(String digest) {
        return digest.replace(':', '-');
    }

    /** Runs {@code work} once per key at a time; concurrent callers of the same key wait for its result. */
    private static PreparedImage shared(Map<String, CompletableFuture<PreparedImage>> running, String key,
            Supplier<PreparedImage> work) {
        CompletableFuture<PreparedImage> mine = new CompletableFuture<>();
        CompletableFuture<PreparedImage> other = running.putIfAbsent(key, mine);
        if (other == null) {
            try {
                mine.complete(work.get());
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
            } finally {
                running.remove(key, mine);
            }
            other = mine;
        }
        try {
            return other.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static void writeAtomically(Path dir, String name, byte[] bytes) throws IOException {
        Path partial = dir.resolve(PARTIAL + UUID.randomUUID());
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(bytes));
            out.force(true);
        }
        Files.move(partial, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        sync(dir);
    }

    /** fsync of every file and directory under {@code dir} (links are not followed), so the rename publishes data. */
    private static void syncTree(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> paths = Files.walk(dir)) {
            all = paths.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        for (Path p : all) {
            sync(p);
        }
    }

    private static void sync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            channel.force(true);
        }
    }

    private static void removePartials(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(PARTIAL)).toList()) {
                deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
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
