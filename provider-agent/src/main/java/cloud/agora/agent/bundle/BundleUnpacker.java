package cloud.agora.agent.bundle;

import cloud.agora.protocol.bundle.BundlePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a function bundle (tar.gz) into an empty directory, refusing anything that could
 * reach outside it: absolute paths, {@code ..}, entries under a symbolic link, links whose
 * target leaves the bundle, hard links to anything but an earlier file of the bundle, devices,
 * FIFOs and other special files. Nothing is ever written through a link (files are created
 * new, never opened if present). Modes are normalised so that the function's user
 * ({@code nobody}) can read every file and enter every directory: 0755 for directories and
 * executables, 0644 otherwise (no set-id or sticky bits). Files are fsynced.
 */
final class BundleUnpacker {

    private final long maxUnpackedBytes;
    private final int maxEntries;

    BundleUnpacker(long maxUnpackedBytes, int maxEntries) {
        this.maxUnpackedBytes = maxUnpackedBytes;
        this.maxEntries = maxEntries;
    }

    /** Why a bundle was refused; nothing of it must be used. */
    static final class UnsafeBundleException extends Exception {
        UnsafeBundleException(String message) {
            super(message);
        }
    }

    /** Unpacks {@code tarGz} into {@code target} (an existing empty directory). */
    void unpack(InputStream tarGz, Path target) throws IOException, UnsafeBundleException {
        Set<String> files = new HashSet<>();
        Set<String> links = new HashSet<>();
        long unpacked = 0;
        int entries = 0;
        try (InputStream gzip = new GZIPInputStream(tarGz, 64 * 1024);
                TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar)) != null) {
                if (++entries > maxEntries) {
                    throw new UnsafeBundleException("more than " + maxEntries + " entries");
                }
                String raw = entry.getName();
                if (!BundlePaths.isSafe(raw)) {
                    throw new UnsafeBundleException("entry " + printable(raw) + " is not a relative path inside the bundle");
                }
                String path = BundlePaths.normal(raw);
                if (path.isEmpty()) {
                    continue;
                }
                for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                    if (links.contains(path.substring(0, slash))) {
                        throw new UnsafeBundleException("entry " + printable(path) + " lies under a link");
                    }
                }
                Path destination = target.resolve(path);
                if (!destination.normalize().startsWith(target)) {
                    throw new UnsafeBundleException("entry " + printable(path) + " leaves the bundle");
                }
                if (entry.isSymbolicLink()) {
                    String linkTarget = entry.getLinkName();
                    if (BundlePaths.resolveLink(path, linkTarget).isEmpty()) {
                        throw new UnsafeBundleException("link " + printable(path) + " -> " + printable(linkTarget)
                                + " points outside the bundle");
                    }
                    parents(target, destination);
                    create(() -> Files.createSymbolicLink(destination, Path.of(linkTarget)), path);
                    links.add(path);
                } else if (entry.isLink()) {
                    String linkTarget = entry.getLinkName();
                    if (!BundlePaths.isSafe(linkTarget) || !files.contains(BundlePaths.normal(linkTarget))) {
                        throw new UnsafeBundleException("hard link " + printable(path) + " -> " + printable(linkTarget)
                                + " does not name an earlier file of the bundle");
                    }
                    parents(target, destination);
                    create(() -> Files.createLink(destination, target.resolve(BundlePaths.normal(linkTarget))), path);
                    files.add(path);
                } else if (entry.isDirectory()) {
                    parents(target, destination);
                    if (!Files.isDirectory(destination, LinkOption.NOFOLLOW_LINKS)) {
                        create(() -> Files.createDirectory(destination), path);
                    }
                    Files.setPosixFilePermissions(destination, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else if (entry.isFile() && !entry.isFIFO() && !entry.isCharacterDevice() && !entry.isBlockDevice()) {
                    unpacked += entry.getSize();
                    if (unpacked > maxUnpackedBytes) {
                        throw new UnsafeBundleException("it unpacks to more than " + maxUnpackedBytes + " bytes");
                    }
                    parents(target, destination);
                    try (FileChannel out = FileChannel.open(destination, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS); OutputStream stream = java.nio.channels.Channels.newOutputStream(out)) {
                        long copied = tar.transferTo(stream);
                        if (copied != entry.getSize()) {
                            throw new UnsafeBundleException("entry " + printable(path) + " is truncated");
                        }
                        out.force(true);
                    } catch (FileAlreadyExistsException e) {
                        throw new UnsafeBundleException("entry " + printable(path) + " appears twice");
                    }
                    boolean executable = (entry.getMode() & 0111) != 0;
                    Files.setPosixFilePermissions(destination, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
                    files.add(path);
                } else {
                    throw new UnsafeBundleException("entry " + printable(path)
                            + " is a device, FIFO or other special file; only files, directories and links are allowed");
                }
            }
        } catch (java.util.zip.ZipException | IllegalArgumentException e) {
            throw new UnsafeBundleException("not a readable tar.gz: " + e.getMessage());
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws IOException, UnsafeBundleException {
        try {
            return tar.getNextEntry();
        } catch (IOException e) {
            if (e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException) {
                throw new UnsafeBundleException("not a readable tar.gz: " + e.getMessage());
            }
            throw new UnsafeBundleException("not a readable tar: " + e.getMessage());
        }
    }

    /** Creates the missing parents of {@code destination} as real directories (never through a link). */
    private static void parents(Path root, Path destination) throws IOException, UnsafeBundleException {
        Path dir = root;
        for (Path part : root.relativize(destination.getParent() == null ? root : destination.getParent())) {
            if (part.toString().isEmpty()) {
                continue;
            }
            dir = dir.resolve(part);
            if (Files.isSymbolicLink(dir)) {
                throw new UnsafeBundleException("entry " + printable(root.relativize(destination).toString()) + " lies under a link");
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    private interface Creation {
        void run() throws IOException;
    }

    private static void create(Creation creation, String path) throws IOException, UnsafeBundleException {
        try {
            creation.run();
        } catch (FileAlreadyExistsException e) {
            throw new UnsafeBundleException("entry " + printable(path) + " appears twice");
        }
    }

    static String printable(String s) {
        if (s == null) {
            return "''";
        }
        String shown = s.replaceAll("\\p{Cntrl}", "?");
        return "'" + (shown.length() > 120 ? shown.substring(0, 120) + "…" : shown) + "'";
    }
}
