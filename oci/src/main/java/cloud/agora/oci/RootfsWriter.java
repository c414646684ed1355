package cloud.agora.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes what {@link ImageTree} allowed into a root directory: files are created new ({@code O_CREAT|O_EXCL}, which
 * never follows a link), attributes are set without following links, removal never descends through a link. Paths
 * are the tree's, already checked: relative, normal, with only real directories above them.
 */
final class RootfsWriter implements ImageTree.Sink {

    /** A write that failed on this machine (disk full, …): not the image's fault. */
    static final class WriteFailure extends IOException {
        WriteFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    private final Path root;

    RootfsWriter(Path root) {
        this.root = root;
    }

    @Override
    public void directory(String path) throws IOException {
        try {
            Files.createDirectory(root.resolve(path));
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }

    @Override
    public void file(String path, InputStream content, long size, int mode, long modifiedMillis) throws IOException {
        Path file = root.resolve(path);
        long copied;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS); OutputStream out = Channels.newOutputStream(channel)) {
            copied = content.transferTo(out);
        } catch (HashingInputStream.Refusal r) {
            throw r;
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
        if (copied != size) {
            throw new HashingInputStream.Refusal(ImageRejectedException.invalid("entry " + ImageRejectedException.quoted(path)
                    + " is truncated: " + copied + " of " + size + " bytes"));
        }
        try {
            Files.setAttribute(file, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
            Files.getFileAttributeView(file, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.fromMillis(modifiedMillis), null, null);
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }

    @Override
    public void symlink(String path, String target) throws IOException {
        try {
            Files.createSymbolicLink(root.resolve(path), Path.of(target));
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }

    @Override
    public void hardlink(String path, String existing) throws IOException {
        try {
            Files.createLink(root.resolve(path), root.resolve(existing));
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }

    @Override
    public void remove(String path) throws IOException {
        try {
            delete(root.resolve(path));
        } catch (IOException e) {
            throw new WriteFailure(e);
        }
    }

    /** Sets the permission bits of {@code path} ({@code ""} = the root), never following a link. */
    void mode(String path, int mode) throws IOException {
        Files.setAttribute(path.isEmpty() ? root : root.resolve(path), "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    void emptyFile(String path, int mode) throws IOException {
        Path file = root.resolve(path);
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS).close();
        Files.setAttribute(file, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes {@code path} and what is under it; links are removed, never followed. */
    static void delete(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> paths = Files.walk(path)) {
            all = new ArrayList<>(paths.toList());
        }
        all.sort(Comparator.reverseOrder());
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }

    /** {@link #delete} that reports nothing: cleaning up after a failure that is already being reported. */
    static void deleteTree(Path path) {
        try {
            delete(path);
        } catch (IOException | RuntimeException e) {
            // best effort: the original failure is what matters
        }
    }
}
