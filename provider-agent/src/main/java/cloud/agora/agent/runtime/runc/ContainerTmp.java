package cloud.agora.agent.runtime.runc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A warm container's writable {@code /tmp} (its only writable place: the root, {@code /function}
 * and the JVM's host binds are read-only, {@code /dev} is root's), seen from the host through
 * {@code /proc/<executor pid>/root/tmp}. The agent (root, with every capability) writes each
 * call's request file there, reads its response files and, after the call, deletes everything
 * in it — including what the function made unreadable or undeletable for its own uid
 * ({@code chmod 000} directories): the executor runs as the function's uid (its lease's),
 * so cleaning from inside could be defeated, from the host it cannot.
 *
 * <p>Only ever used while no process of the function is alive ({@link Leftovers} ran first),
 * so nothing swaps a file for a link under the agent's feet; even so every access refuses to
 * follow a symbolic link ({@code O_NOFOLLOW}, {@code openat}/{@code unlinkat} through a
 * {@link SecureDirectoryStream}), because a link's absolute target would resolve against the
 * agent's root, the host's, not the container's.
 */
final class ContainerTmp {

    /** Deeper trees are not walked: the container is removed instead (a fresh tmpfs is cheaper). */
    static final int MAX_DEPTH = 64;
    /** More entries are not deleted one by one: the container is removed instead. */
    static final int MAX_ENTRIES = 20_000;

    private final Path dir;

    ContainerTmp(long executorPid) {
        this.dir = Path.of("/proc", Long.toString(executorPid), "root", "tmp");
    }

    /** Writes a new file (the call's request); fails if something is there already. */
    void create(String name, byte[] content) throws IOException {
        try (SeekableByteChannel out = Files.newByteChannel(dir.resolve(name),
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
    }

    /** A regular file's first {@code max} bytes and size; empty when it is missing or not a regular file. */
    Content head(String name, int max) throws IOException {
        return read(name, max, false);
    }

    /** A regular file's last {@code max} bytes and size; empty when it is missing or not a regular file. */
    Content tail(String name, int max) throws IOException {
        return read(name, max, true);
    }

    /**
     * Deletes everything in {@code /tmp}.
     *
     * @return {@code false} when the tree is deeper than {@link #MAX_DEPTH} or larger than
     *         {@link #MAX_ENTRIES} (left as it is: the caller removes the container)
     */
    boolean wipe() throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                throw new IOException("no openat-based directory access on this platform");
            }
            return wipe(secure, 0, new int[1]);
        }
    }

    private static boolean wipe(SecureDirectoryStream<Path> directory, int depth, int[] entries) throws IOException {
        List<Path> names = new ArrayList<>();
        for (Path entry : directory) {
            names.add(entry.getFileName());
            if (++entries[0] > MAX_ENTRIES) {
                return false;
            }
        }
        for (Path name : names) {
            BasicFileAttributes attributes = directory.getFileAttributeView(name, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (attributes.isDirectory()) {
                if (depth + 1 >= MAX_DEPTH) {
                    return false;
                }
                // opening a mode 000 directory and unlinking in it: root's CAP_DAC_READ_SEARCH / DAC_OVERRIDE / FOWNER
                try (SecureDirectoryStream<Path> child = directory.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                    if (!wipe(child, depth + 1, entries)) {
                        return false;
                    }
                }
                directory.deleteDirectory(name);
            } else {
                directory.deleteFile(name);
            }
        }
        return true;
    }

    private Content read(String name, int max, boolean last) throws IOException {
        Path file = dir.resolve(name);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Content.EMPTY;
        }
        if (!attributes.isRegularFile()) {
            return Content.EMPTY; // a FIFO would block the agent, a link would lead out of the container
        }
        try (SeekableByteChannel in = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            long size = in.size();
            int length = (int) Math.min(size, max);
            if (last) {
                in.position(size - length);
            }
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining() && in.read(buffer) >= 0) {
                // read until full or end of file
            }
            byte[] bytes = buffer.position() == length ? buffer.array() : java.util.Arrays.copyOf(buffer.array(), buffer.position());
            return new Content(bytes, size);
        }
    }

    /** Some bytes of a file and how large the whole file is. */
    record Content(byte[] bytes, long size) {
        static final Content EMPTY = new Content(new byte[0], 0);

        boolean truncated() {
            return size > bytes.length;
        }
    }
}
