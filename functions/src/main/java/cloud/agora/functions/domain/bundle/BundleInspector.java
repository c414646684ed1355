package cloud.agora.functions.domain.bundle;

import cloud.agora.protocol.bundle.BundlePaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks a function bundle (tar.gz) before it is stored, reading it fully without writing
 * anything to disk. A bundle is accepted only when it is a valid gzip'd tar within the size
 * caps, every entry is a regular file, directory or link whose path stays inside the bundle
 * (no absolute path, no {@code ..}, no path through a link), every link target resolves
 * inside the bundle, and the entrypoint is a regular file in it.
 */
public final class BundleInspector {

    private final long maxBundleBytes;
    private final long maxUnpackedBytes;
    private final int maxEntries;

    public BundleInspector(long maxBundleBytes, long maxUnpackedBytes, int maxEntries) {
        this.maxBundleBytes = maxBundleBytes;
        this.maxUnpackedBytes = maxUnpackedBytes;
        this.maxEntries = maxEntries;
    }

    /** The size of an accepted bundle: compressed bytes, regular files, unpacked bytes. */
    public record Summary(long bytes, int files, long unpackedBytes) {
    }

    /** The bundle's summary, or {@link InvalidBundleException} / {@link BundleTooLargeException}. */
    public Summary inspect(byte[] bundle, String entrypoint) {
        if (bundle == null || bundle.length == 0) {
            throw new InvalidBundleException("a bundle (tar.gz) is required");
        }
        if (bundle.length > maxBundleBytes) {
            throw new BundleTooLargeException("the bundle has " + bundle.length + " bytes, at most " + maxBundleBytes
                    + " are accepted", Map.of("maxBytes", maxBundleBytes));
        }
        Set<String> files = new HashSet<>();
        Set<String> dirs = new HashSet<>();
        Map<String, String> links = new java.util.HashMap<>();
        List<String> paths = new ArrayList<>();
        long unpacked = 0;
        try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(bundle));
                TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (paths.size() >= maxEntries) {
                    throw new BundleTooLargeException("the bundle has more than " + maxEntries + " entries",
                            Map.of("maxEntries", maxEntries));
                }
                String raw = entry.getName();
                if (!BundlePaths.isSafe(raw)) {
                    throw new InvalidBundleException("entry " + printable(raw)
                            + " is not a relative path inside the bundle (absolute paths and '..' are refused)");
                }
                String path = BundlePaths.normal(raw);
                if (path.isEmpty()) {
                    continue; // "./", the root itself
                }
                paths.add(path);
                if (entry.isSymbolicLink()) {
                    String target = entry.getLinkName();
                    if (BundlePaths.resolveLink(path, target).isEmpty()) {
                        throw new InvalidBundleException("link " + printable(path) + " -> " + printable(target)
                                + " points outside the bundle");
                    }
                    links.put(path, target);
                } else if (entry.isLink()) {
                    String target = entry.getLinkName();
                    if (!BundlePaths.isSafe(target)) {
                        throw new InvalidBundleException("hard link " + printable(path) + " -> " + printable(target)
                                + " points outside the bundle");
                    }
                    if (!files.contains(BundlePaths.normal(target))) {
                        throw new InvalidBundleException("hard link " + printable(path) + " -> " + printable(target)
                                + " does not name an earlier file of the bundle");
                    }
                    files.add(path);
                } else if (entry.isDirectory()) {
                    dirs.add(path);
                } else if (entry.isFile() && !entry.isFIFO() && !entry.isCharacterDevice() && !entry.isBlockDevice()) {
                    unpacked += entry.getSize();
                    if (unpacked > maxUnpackedBytes) {
                        throw new BundleTooLargeException("the bundle unpacks to more than " + maxUnpackedBytes + " bytes",
                                Map.of("maxUnpackedBytes", maxUnpackedBytes));
                    }
                    files.add(path);
                } else {
                    throw new InvalidBundleException("entry " + printable(path)
                            + " is a device, FIFO or other special file; only files, directories and links are allowed");
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidBundleException("not a readable tar.gz: " + e.getMessage());
        }
        for (String path : paths) {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                String parent = path.substring(0, slash);
                if (links.containsKey(parent)) {
                    throw new InvalidBundleException("entry " + printable(path) + " lies under the link " + printable(parent));
                }
            }
        }
        String entry = BundlePaths.normal(entrypoint);
        if (!files.contains(entry)) {
            throw new InvalidBundleException("the entrypoint '" + entry + "' is not a regular file in the bundle",
                    Map.of("entrypoint", entry));
        }
        return new Summary(bundle.length, files.size(), unpacked);
    }

    private static String printable(String s) {
        if (s == null) {
            return "''";
        }
        String shown = s.replaceAll("\\p{Cntrl}", "?");
        return "'" + (shown.length() > 120 ? shown.substring(0, 120) + "…" : shown) + "'";
    }
}
