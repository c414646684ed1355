package cloud.agora.oci;

import static cloud.agora.oci.ImageRejectedException.invalid;
import static cloud.agora.oci.ImageRejectedException.quoted;
import static cloud.agora.oci.ImageRejectedException.unsupported;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The outer archive (a plain tar) read by random access: its headers are indexed once, each blob is then read
 * straight from its place in the file, in whatever order the layout needs, without copying anything out. Names are
 * taken without a leading {@code ./}; a symbolic or hard link between entries (old {@code docker save} links a
 * repeated layer to the first copy) is followed inside the archive only.
 */
final class ArchiveIndex implements Closeable {

    private static final int MAX_LINK_HOPS = 8;

    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    private ArchiveIndex(TarFile tar) throws ImageRejectedException {
        this.tar = tar;
        for (TarArchiveEntry entry : tar.getEntries()) {
            if (entry.isDirectory()) {
                continue;
            }
            String name = normal(entry.getName());
            if (entries.putIfAbsent(name, entry) != null) {
                throw invalid("the archive holds " + quoted(name) + " twice");
            }
        }
    }

    static ArchiveIndex open(Path archive) throws IOException, ImageRejectedException {
        try (InputStream in = java.nio.file.Files.newInputStream(archive)) {
            byte[] magic = in.readNBytes(4);
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                throw unsupported("the archive is gzip-compressed: store the tar itself (docker save and skopeo write a "
                        + "plain tar; its layers are compressed inside)");
            }
        }
        TarFile tar;
        try {
            tar = new TarFile(archive);
        } catch (IOException | IllegalArgumentException e) {
            throw invalid("the archive is not a readable tar: " + e.getMessage());
        }
        try {
            return new ArchiveIndex(tar);
        } catch (ImageRejectedException e) {
            tar.close();
            throw e;
        }
    }

    boolean has(String name) {
        return entries.containsKey(normal(name));
    }

    /** The regular file {@code name} names, links inside the archive followed. */
    TarArchiveEntry file(String name) throws ImageRejectedException {
        String current = normal(name);
        for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
            TarArchiveEntry entry = entries.get(current);
            if (entry == null) {
                throw invalid("the archive has no " + quoted(name));
            }
            if (entry.isSymbolicLink()) {
                current = resolve(current, entry.getLinkName(), name);
            } else if (entry.isLink()) {
                current = normal(entry.getLinkName());
            } else if (entry.isFile() && !entry.isCharacterDevice() && !entry.isBlockDevice() && !entry.isFIFO()) {
                return entry;
            } else {
                throw invalid(quoted(name) + " in the archive is not a file");
            }
        }
        throw invalid(quoted(name) + " in the archive is a chain of more than " + MAX_LINK_HOPS + " links");
    }

    InputStream open(TarArchiveEntry entry) throws IOException {
        return tar.getInputStream(entry);
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private static String resolve(String linkPath, String target, String asked) throws ImageRejectedException {
        if (target == null || target.isEmpty() || target.startsWith("/")) {
            throw invalid(quoted(asked) + " in the archive links outside it");
        }
        Deque<String> parts = new ArrayDeque<>();
        String[] link = linkPath.split("/");
        for (int i = 0; i < link.length - 1; i++) {
            parts.addLast(link[i]);
        }
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (parts.isEmpty()) {
                    throw invalid(quoted(asked) + " in the archive links outside it");
                }
                parts.removeLast();
            } else {
                parts.addLast(segment);
            }
        }
        return String.join("/", parts);
    }

    static String normal(String name) {
        StringBuilder out = new StringBuilder();
        for (String segment : name.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(segment);
        }
        return out.toString();
    }
}
