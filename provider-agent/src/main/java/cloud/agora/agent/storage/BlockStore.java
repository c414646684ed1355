package cloud.agora.agent.storage;

import cloud.agora.agent.lease.LeaseStorage;
import cloud.agora.ipld.Cid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The blocks this provider stores for its storage leases, on local disk under
 * {@code <root>/<lease id>/<sha2-256 digest hex>}. A block is accepted only when its bytes hash
 * to the CID's multihash, is written to a temporary file, fsynced, renamed into place and the
 * directory fsynced, so an accepted block survives a crash and a half-written one never appears.
 * Every read checks the hash again: a stored copy that no longer matches is discarded (it is
 * lost, and the storage gateway's audit and repair will see it as missing).
 *
 * <p>Changes to one lease are serialised (its lock); leases are independent.
 */
public final class BlockStore implements LeaseStorage {

    private static final Logger LOG = Logger.getLogger(BlockStore.class);
    private static final String TEMP = ".put-";

    private final Path root;
    private final int maxBlockBytes;
    private final Map<UUID, Object> locks = new ConcurrentHashMap<>();
    private final Map<UUID, Usage> usage = new ConcurrentHashMap<>();

    /** What one lease stores: block count and bytes. */
    public record Usage(long blocks, long bytes) {
    }

    public BlockStore(Path root, int maxBlockBytes) {
        this.root = root;
        this.maxBlockBytes = maxBlockBytes;
        try {
            Files.createDirectories(root);
            for (UUID lease : leasesPresent()) {
                try (Stream<Path> files = Files.list(dir(lease))) {
                    for (Path p : files.filter(p -> p.getFileName().toString().startsWith(TEMP)).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the block store " + root, e);
        }
    }

    /** The largest block accepted. */
    public int maxBlockBytes() {
        return maxBlockBytes;
    }

    /**
     * Stores a block for a lease.
     *
     * @param quotaBytes the lease's storage (its GiB)
     * @return true when it was new, false when the lease already had it
     * @throws StorageRejectedException {@code block-hash-mismatch} 400, {@code storage-lease-full} 507
     */
    public boolean put(UUID leaseId, long quotaBytes, Cid cid, byte[] block) {
        if (!MessageDigest.isEqual(cid.digest(), sha256(block))) {
            throw new StorageRejectedException(400, "block-hash-mismatch", "Block hash mismatch",
                    "the " + block.length + " bytes sent do not hash (sha2-256) to " + cid + "; nothing was stored", leaseId);
        }
        synchronized (lock(leaseId)) {
            Path dir = dir(leaseId);
            Path file = dir.resolve(cid.blockKey());
            if (Files.exists(file)) {
                return false;
            }
            Usage now = usage(leaseId);
            if (now.bytes() + block.length > quotaBytes) {
                throw new StorageRejectedException(507, "storage-lease-full", "Storage lease full", "lease " + leaseId
                        + " holds " + now.bytes() + " of its " + quotaBytes + " bytes; this block needs " + block.length, leaseId);
            }
            Path temp = null;
            try {
                Files.createDirectories(dir);
                temp = dir.resolve(TEMP + UUID.randomUUID());
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(block);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
                sync(dir);
                sync(root);
            } catch (IOException e) {
                deleteQuietly(temp);
                throw new UncheckedIOException("cannot store block " + cid + " of lease " + leaseId, e);
            }
            usage.put(leaseId, new Usage(now.blocks() + 1, now.bytes() + block.length));
            return true;
        }
    }

    /** The block's bytes, verified against its CID; empty when not stored (or the stored copy was corrupt). */
    public Optional<byte[]> get(UUID leaseId, Cid cid) {
        Path file = dir(leaseId).resolve(cid.blockKey());
        byte[] block;
        try {
            block = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read block " + cid + " of lease " + leaseId, e);
        }
        if (!MessageDigest.isEqual(cid.digest(), sha256(block))) {
            LOG.warnf("block %s of lease %s no longer matches its CID on disk: discarded", cid, leaseId);
            synchronized (lock(leaseId)) {
                deleteQuietly(file);
                usage.remove(leaseId);
            }
            return Optional.empty();
        }
        return Optional.of(block);
    }

    /** The answer to an audit: sha256(block ‖ nonce) of the verified block, or empty when it is not stored. */
    public Optional<byte[]> prove(UUID leaseId, Cid cid, byte[] nonce) {
        return get(leaseId, cid).map(block -> {
            MessageDigest sha = sha256();
            sha.update(block);
            sha.update(nonce);
            return sha.digest();
        });
    }

    /** How many blocks and bytes a lease stores. */
    public Usage usage(UUID leaseId) {
        return usage.computeIfAbsent(leaseId, this::count);
    }

    @Override
    public void remove(UUID leaseId) {
        synchronized (lock(leaseId)) {
            Path dir = dir(leaseId);
            if (Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    List<Path> all = new ArrayList<>(paths.toList());
                    all.sort(Comparator.reverseOrder());
                    for (Path p : all) {
                        Files.deleteIfExists(p);
                    }
                    sync(root);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete the blocks of lease " + leaseId, e);
                }
                LOG.infof("blocks of lease %s deleted", leaseId);
            }
            usage.remove(leaseId);
        }
    }

    @Override
    public Set<UUID> leasesPresent() {
        Set<UUID> leases = new HashSet<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                try {
                    leases.add(UUID.fromString(dir.getFileName().toString()));
                } catch (IllegalArgumentException e) {
                    // not ours
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return leases;
    }

    private Usage count(UUID leaseId) {
        Path dir = dir(leaseId);
        if (!Files.isDirectory(dir)) {
            return new Usage(0, 0);
        }
        long blocks = 0;
        long bytes = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                blocks++;
                bytes += Files.size(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return new Usage(blocks, bytes);
    }

    private Path dir(UUID leaseId) {
        return root.resolve(leaseId.toString());
    }

    private Object lock(UUID leaseId) {
        return locks.computeIfAbsent(leaseId, id -> new Object());
    }

    private static void sync(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", p, e.getMessage());
        }
    }

    private static byte[] sha256(byte[] block) {
        return sha256().digest(block);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
