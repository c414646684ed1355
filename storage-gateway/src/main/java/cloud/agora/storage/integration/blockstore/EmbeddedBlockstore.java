package cloud.agora.storage.integration.blockstore;

import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.ContentBackend;
import cloud.agora.storage.domain.ContentNotFoundException;
import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.DagPb;
import cloud.agora.ipld.FileImporter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;
import org.jboss.logging.Logger;

/**
 * Blocks on local disk, one file per block under {@code blocks/<2 hex>/<sha2-256 hex>} (keyed
 * by digest, like Kubo's flatfs, so CIDv0 and CIDv1 names share a block). An upload writes its
 * blocks into its own {@code staging/<uuid>/} folder and, only once the whole file is read,
 * renames them into place, children before the root; a failed upload deletes its folder, so
 * nothing of it is ever visible. Staging folders left by a crash are removed at start.
 */
@ApplicationScoped
@Typed(EmbeddedBlockstore.class)
public class EmbeddedBlockstore implements ContentBackend {

    private static final Logger LOG = Logger.getLogger(EmbeddedBlockstore.class);

    private final Path blocks;
    private final Path staging;
    private final boolean fsync;
    /**
     * Forces staged blocks to disk while the upload goes on (fsync per block was the upload's
     * bottleneck: the importer waited for each one); an upload waits for all of its blocks'
     * fsyncs before the renames that make it visible, so it is still durable before its 201.
     * A {@link ManagedExecutor} running at most {@value #SYNCS} fsyncs at once: in Quarkus a view of the worker pool
     * (uploads are bounded below the pool's size, see the upload route, so fsyncs always find a thread), in plain
     * tests a pool of its own. Made with the store, shut down with it ({@link #close()}).
     */
    private final ManagedExecutor syncer = ManagedExecutor.builder()
            .maxAsync(SYNCS)
            .maxQueued(-1)
            .propagated(ThreadContext.NONE)
            .cleared(ThreadContext.NONE)
            .build();
    /** Blocks forced to disk at once, whatever the number of uploads. */
    static final int SYNCS = 2;

    @Inject
    public EmbeddedBlockstore(StorageConfig config) {
        this(config.blockstore().path(), config.blockstore().fsync());
    }

    /** A blockstore in {@code root}; {@code fsync} forces each block to disk before it counts. */
    public EmbeddedBlockstore(Path root, boolean fsync) {
        this.blocks = root.resolve("blocks");
        this.staging = root.resolve("staging");
        this.fsync = fsync;
        try {
            Files.createDirectories(blocks);
            Files.createDirectories(staging);
            try (Stream<Path> leftovers = Files.list(staging)) {
                for (Path dir : leftovers.toList()) {
                    LOG.infof("removing the unfinished upload %s", dir.getFileName());
                    deleteTree(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the blockstore at " + root, e);
        }
    }

    @Override
    public String name() {
        return "embedded";
    }

    /** Stops the fsyncs: those queued or running finish, an upload started after this fails. */
    @PreDestroy
    public void close() {
        syncer.shutdown();
    }

    @Override
    public FileImporter.Imported add(InputStream content, DagLayout layout) throws IOException {
        Path upload = staging.resolve(UUID.randomUUID().toString());
        Files.createDirectory(upload);
        List<String> order = new ArrayList<>();
        Set<String> staged = new HashSet<>();
        List<Future<?>> syncs = new ArrayList<>();
        Semaphore inFlight = new Semaphore(MAX_PENDING_SYNCS);
        try {
            FileImporter.Imported imported = FileImporter.importFile(content, layout, (cid, block, length) -> {
                String key = cid.blockKey();
                if (staged.add(key)) {
                    write(upload.resolve(key), block, length, syncs, inFlight);
                    order.add(key);
                }
            });
            awaitAll(syncs);
            for (String key : order) {
                Path target = location(key);
                Files.createDirectories(target.getParent());
                Files.move(upload.resolve(key), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return imported;
        } finally {
            waitQuietly(syncs);
            deleteTree(upload);
        }
    }

    private static final int MAX_PENDING_SYNCS = 64;

    private void write(Path file, byte[] block, int length, List<Future<?>> syncs, Semaphore inFlight) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ByteBuffer buffer = ByteBuffer.wrap(block, 0, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (!fsync) {
            channel.close();
            return;
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            channel.close();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while staging an upload");
        }
        try {
            syncs.add(syncer.submit(() -> {
                try (channel) {
                    channel.force(false);
                } finally {
                    inFlight.release();
                }
                return null;
            }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            channel.close();
            inFlight.release();
            throw new IOException("the blockstore is stopping", e);
        }
    }

    private static void awaitAll(List<Future<?>> syncs) throws IOException {
        for (Future<?> sync : syncs) {
            try {
                sync.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while forcing an upload to disk");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException("forcing a block to disk failed", e.getCause());
            }
        }
    }

    /** Lets fsyncs that already run finish (their channels close) before the staging folder goes. */
    private static void waitQuietly(List<Future<?>> syncs) {
        for (Future<?> sync : syncs) {
            try {
                sync.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException ignored) {
                // the upload fails anyway
            }
        }
    }

    @Override
    public Optional<byte[]> block(Cid cid) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(location(cid.blockKey())));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Checks that every block of the DAG is on disk (the embedded store never fetches from
     * elsewhere). Blocks are kept whether pinned or not: there is no garbage collector yet.
     */
    @Override
    public void pin(Cid root) throws IOException {
        Deque<Cid> todo = new ArrayDeque<>(List.of(root));
        Set<Cid> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Cid cid = todo.pop();
            if (!seen.add(cid)) {
                continue;
            }
            if (cid.codec() == Cid.RAW) {
                if (!Files.exists(location(cid.blockKey()))) {
                    throw new ContentNotFoundException(cid);
                }
                continue;
            }
            byte[] block = block(cid).orElseThrow(() -> new ContentNotFoundException(cid));
            DagPb.decode(block).links().forEach(link -> todo.push(link.cid()));
        }
    }

    /** Nothing to do: blocks stay until a garbage collector (not built yet) removes unpinned ones. */
    @Override
    public void unpin(Cid root) {
        // deliberately empty; see the Javadoc and the README's "Storage lifecycle"
    }

    /** Where a block lives (for tests that damage blocks on purpose). */
    public Path location(String blockKey) {
        return blocks.resolve(blockKey.substring(0, 2)).resolve(blockKey);
    }

    /** Uploads currently being staged (zero when no upload is in flight). */
    public long stagedUploads() throws IOException {
        try (Stream<Path> dirs = Files.list(staging)) {
            return dirs.count();
        }
    }

    /** Blocks held (walks the store; for tests and diagnostics). */
    public long blockCount() throws IOException {
        try (Stream<Path> files = Files.walk(blocks)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
