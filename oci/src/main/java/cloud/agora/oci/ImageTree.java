package cloud.agora.oci;

import static cloud.agora.oci.ImageRejectedException.invalid;
import static cloud.agora.oci.ImageRejectedException.quoted;
import static cloud.agora.oci.ImageRejectedException.tooLarge;
import static cloud.agora.oci.ImageRejectedException.unsupported;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The root filesystem the layers build, as a model: every path, what it is and which layer made it. Each layer
 * entry is checked against the model and only then handed to a {@link Sink}; verification runs it with a sink that
 * writes nothing, unpacking with one that writes the same operations to disk. So what is unpacked is exactly what
 * was checked, and nothing is written before an entry passed its rules.
 *
 * <p>Rules (any breach refuses the whole image):
 * <ul>
 * <li>names relative after dropping {@code ./}: no leading {@code /}, no {@code ..} segment, at most 4,096 bytes;</li>
 * <li>only regular files, directories, symbolic links and hard links: no character or block devices, FIFOs,
 *     sparse or other special entries;</li>
 * <li>no setuid or setgid file (functions run with {@code no_new_privs}: the bit could never take effect);</li>
 * <li>no entry under a symbolic link or under a file, whichever layer made it (that would write through the
 *     link, or fail);</li>
 * <li>a hard link names an earlier regular file of the image (this layer's or a lower one's, not removed since);</li>
 * <li>whiteouts: {@code .wh.<name>} removes {@code <name>} from the same directory, {@code .wh..wh..opq} removes
 *     what lower layers put in the directory; a whiteout whose name is empty, {@code .} or {@code ..}, or any other
 *     {@code .wh..wh.} name, is refused;</li>
 * <li>the mount points the container needs ({@code /proc /dev /sys /tmp /function /etc}) are directories and
 *     {@code /etc/passwd}, {@code /etc/group} regular files where the image has them.</li>
 * </ul>
 * Symbolic link targets are not restricted (absolute ones are normal in images): they are resolved inside the
 * container, never on the host, and no entry is ever written through one.
 */
final class ImageTree {

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final int MAX_NAME_BYTES = 4096;

    /** Directories the container mounts over, files it bind-mounts over. */
    static final List<String> MOUNT_DIRECTORIES = List.of("proc", "dev", "sys", "tmp", "function", "etc");
    static final List<String> MOUNT_FILES = List.of("etc/passwd", "etc/group");

    enum Kind {
        DIRECTORY, FILE, SYMLINK
    }

    /** What the model does to the filesystem; every path is relative to the root and already checked. */
    interface Sink {
        /** Creates the directory {@code path} (its parent exists). */
        void directory(String path) throws IOException;

        /** Creates the regular file {@code path} with {@code size} bytes of {@code content}. */
        void file(String path, InputStream content, long size, int mode, long modifiedMillis) throws IOException;

        void symlink(String path, String target) throws IOException;

        /** Creates {@code path} as another name of the regular file {@code existing}. */
        void hardlink(String path, String existing) throws IOException;

        /** Removes {@code path} and, if a directory, everything in it, never following a link. */
        void remove(String path) throws IOException;
    }

    /** A sink that writes nothing: verification. */
    static final Sink NOTHING = new Sink() {
        @Override
        public void directory(String path) {
        }

        @Override
        public void file(String path, InputStream content, long size, int mode, long modifiedMillis) {
        }

        @Override
        public void symlink(String path, String target) {
        }

        @Override
        public void hardlink(String path, String existing) {
        }

        @Override
        public void remove(String path) {
        }
    };

    private static final class Node {
        final Kind kind;
        int layer;
        int mode;

        Node(Kind kind, int layer, int mode) {
            this.kind = kind;
            this.layer = layer;
            this.mode = mode;
        }
    }

    private final NavigableMap<String, Node> nodes = new TreeMap<>();
    private final Sink sink;
    private final int maxEntries;
    private int entries;

    ImageTree(Sink sink, int maxEntries) {
        this.sink = sink;
        this.maxEntries = maxEntries;
    }

    int entries() {
        return entries;
    }

    /**
     * Applies one entry of layer {@code layer} (0 = lowest), {@code content} positioned at its data.
     *
     * @throws ImageRejectedException when the entry breaks a rule; nothing of it was handed to the sink
     */
    void apply(TarArchiveEntry entry, InputStream content, int layer) throws IOException, ImageRejectedException {
        if (++entries > maxEntries) {
            throw tooLarge("the image has more than " + maxEntries + " entries, the most accepted");
        }
        String raw = entry.getName();
        String where = "layer " + (layer + 1) + " entry " + quoted(raw);
        String path = checkedPath(raw, where);
        Kind kind = kindOf(entry, where);
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        if (name.startsWith(WHITEOUT)) {
            whiteout(parent, name, layer, where);
            return;
        }
        if (path.isEmpty()) {
            if (kind != Kind.DIRECTORY) {
                throw invalid(where + " replaces the image's root with something that is not a directory");
            }
            return;
        }
        int mode = entry.getMode();
        if (kind == Kind.FILE && !entry.isLink() && (mode & 06000) != 0) {
            throw invalid(where + " is set" + ((mode & 04000) != 0 ? "uid" : "gid") + ": functions run with no_new_privs, "
                    + "so the bit could never take effect; clear it (chmod u-s,g-s) when building the image");
        }
        parents(path, where, layer);
        String hardlinkTarget = null;
        if (entry.isLink()) {
            hardlinkTarget = checkedPath(entry.getLinkName(), where + " (its hard link target)");
            Node target = nodes.get(hardlinkTarget);
            if (target == null || target.kind != Kind.FILE || hardlinkTarget.equals(path)
                    || hardlinkTarget.startsWith(path + "/")) {
                throw invalid(where + " is a hard link to " + quoted(entry.getLinkName())
                        + ", which is not an earlier regular file of the image");
            }
        }
        if (entry.isSymbolicLink()) {
            String target = entry.getLinkName();
            if (target == null || target.isEmpty() || target.indexOf('\0') >= 0
                    || target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw invalid(where + " is a symbolic link with an empty or unusable target");
            }
            encodable(target, where + " (its target)");
        }
        Node existing = nodes.get(path);
        if (existing != null && !(existing.kind == Kind.DIRECTORY && kind == Kind.DIRECTORY)) {
            removeTree(path);
        }
        int permissions = permissions(entry, kind);
        switch (kind) {
            case DIRECTORY -> {
                if (existing != null && existing.kind == Kind.DIRECTORY) {
                    existing.mode = permissions;
                } else {
                    sink.directory(path);
                    nodes.put(path, new Node(Kind.DIRECTORY, layer, permissions));
                }
            }
            case SYMLINK -> {
                sink.symlink(path, entry.getLinkName());
                nodes.put(path, new Node(Kind.SYMLINK, layer, 0777));
            }
            case FILE -> {
                if (hardlinkTarget != null) {
                    sink.hardlink(path, hardlinkTarget);
                    nodes.put(path, new Node(Kind.FILE, layer, nodes.get(hardlinkTarget).mode));
                } else {
                    sink.file(path, content, entry.getSize(), permissions, entry.getModTime().getTime());
                    nodes.put(path, new Node(Kind.FILE, layer, permissions));
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** After the last layer: the container's mount points must be usable as such. */
    void checkMountPoints() throws ImageRejectedException {
        for (String dir : MOUNT_DIRECTORIES) {
            Node node = nodes.get(dir);
            if (node != null && node.kind != Kind.DIRECTORY) {
                throw invalid("/" + dir + " in the image is a " + describe(node.kind) + ": the container mounts over it, "
                        + "so it must be a directory");
            }
        }
        for (String file : MOUNT_FILES) {
            Node node = nodes.get(file);
            if (node != null && node.kind != Kind.FILE) {
                throw invalid("/" + file + " in the image is a " + describe(node.kind) + ": the container mounts its own "
                        + "over it, so it must be a regular file");
            }
        }
    }

    /** Directories and their permission bits, parents before children. */
    Map<String, Integer> directoryModes() {
        Map<String, Integer> modes = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            if (e.getValue().kind == Kind.DIRECTORY) {
                modes.put(e.getKey(), e.getValue().mode);
            }
        }
        return modes;
    }

    Kind kindAt(String path) {
        Node node = nodes.get(path);
        return node == null ? null : node.kind;
    }

    private void whiteout(String parent, String name, int layer, String where) throws IOException, ImageRejectedException {
        if (!parent.isEmpty()) {
            for (String ancestor : ancestorsAndSelf(parent)) {
                Node node = nodes.get(ancestor);
                if (node == null) {
                    return; // nothing below to remove
                }
                if (node.kind != Kind.DIRECTORY) {
                    throw invalid(where + " lies under the " + describe(node.kind) + " " + quoted(ancestor));
                }
            }
        }
        if (name.equals(OPAQUE)) {
            List<String> lower = new ArrayList<>();
            for (Map.Entry<String, Node> e : below(parent).descendingMap().entrySet()) {
                if (e.getValue().layer < layer) {
                    lower.add(e.getKey());
                }
            }
            for (String path : lower) {
                Node node = nodes.get(path);
                if (node.kind == Kind.DIRECTORY && !below(path).isEmpty()) {
                    node.layer = layer; // holds this layer's entries: stays
                } else {
                    sink.remove(path);
                    nodes.remove(path);
                }
            }
            return;
        }
        if (name.startsWith(WHITEOUT + WHITEOUT)) {
            throw unsupported(where + " is an AUFS metadata entry, which this code does not apply");
        }
        String target = name.substring(WHITEOUT.length());
        if (target.isEmpty() || target.equals(".") || target.equals("..")) {
            throw invalid(where + " is a whiteout of " + quoted(target) + ", which would remove "
                    + (target.equals("..") ? "a directory above its own" : "its own directory"));
        }
        String path = parent.isEmpty() ? target : parent + "/" + target;
        if (nodes.containsKey(path)) {
            removeTree(path);
        }
    }

    private void removeTree(String path) throws IOException {
        sink.remove(path);
        nodes.remove(path);
        below(path).clear();
    }

    private NavigableMap<String, Node> below(String dir) {
        return dir.isEmpty() ? nodes : nodes.subMap(dir + "/", true, dir + "0", false);
    }

    /** Every proper ancestor must be a directory (missing ones are made). */
    private void parents(String path, String where, int layer) throws IOException, ImageRejectedException {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return;
        }
        for (String ancestor : ancestorsAndSelf(path.substring(0, slash))) {
            Node node = nodes.get(ancestor);
            if (node == null) {
                sink.directory(ancestor);
                nodes.put(ancestor, new Node(Kind.DIRECTORY, layer, 0755));
            } else if (node.kind != Kind.DIRECTORY) {
                throw invalid(where + " lies under the " + describe(node.kind) + " " + quoted(ancestor)
                        + (node.kind == Kind.SYMLINK ? ": it would be written through the link" : ""));
            }
        }
    }

    private static List<String> ancestorsAndSelf(String dir) {
        List<String> out = new ArrayList<>();
        for (int i = dir.indexOf('/'); i > 0; i = dir.indexOf('/', i + 1)) {
            out.add(dir.substring(0, i));
        }
        out.add(dir);
        return out;
    }

    /**
     * Permission bits as unpacked: the image's {@code rwx} bits, never setuid, setgid or sticky; directories always
     * traversable; and since a function runs as a uid of its lease, not as the image's user, what a non-root owner
     * in the image could read or run, anyone can.
     */
    private static int permissions(TarArchiveEntry entry, Kind kind) {
        int mode = entry.getMode() & 0777;
        if (entry.getLongUserId() != 0) {
            int owner = (mode >> 6) & 05;
            mode |= owner << 3 | owner;
        }
        if (kind == Kind.DIRECTORY) {
            mode |= 0111;
        }
        return mode;
    }

    /** {@code raw} made relative and normal, or refused. */
    static String checkedPath(String raw, String where) throws ImageRejectedException {
        if (raw == null || raw.indexOf('\0') >= 0) {
            throw invalid(where + " has no usable name");
        }
        if (raw.startsWith("/")) {
            throw invalid(where + " is an absolute path");
        }
        if (raw.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw invalid(where + " has a name longer than " + MAX_NAME_BYTES + " bytes");
        }
        StringBuilder out = new StringBuilder();
        for (String segment : raw.split("/")) {
            if (segment.equals("..")) {
                throw invalid(where + " has a '..' component: it would leave the image's root");
            }
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(segment);
        }
        encodable(out.toString(), where);
        return out.toString();
    }

    private static void encodable(String name, String where) throws ImageRejectedException {
        try {
            java.nio.file.Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw unsupported(where + " has a name this JVM cannot write (file name encoding "
                    + System.getProperty("sun.jnu.encoding") + "): run it with a UTF-8 locale");
        }
    }

    private static Kind kindOf(TarArchiveEntry entry, String where) throws ImageRejectedException {
        byte flag = entry.getLinkFlag();
        if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            throw invalid(where + " is a " + (entry.isCharacterDevice() ? "character" : "block")
                    + " device: a function gets its devices from the container, never from its image");
        }
        if (entry.isFIFO()) {
            throw invalid(where + " is a FIFO: only files, directories and links are allowed");
        }
        if (entry.isSparse() || entry.isGNUSparse()) {
            throw unsupported(where + " is a sparse file, which this code does not unpack");
        }
        if (flag == TarConstants.LF_DIR) {
            return Kind.DIRECTORY;
        }
        if (flag == TarConstants.LF_SYMLINK) {
            return Kind.SYMLINK;
        }
        if (flag == TarConstants.LF_LINK) {
            return Kind.FILE;
        }
        if (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG) {
            return entry.getName().endsWith("/") ? Kind.DIRECTORY : Kind.FILE;
        }
        throw invalid(where + " has the entry type '" + (char) flag + "': only files, directories and links are allowed");
    }

    private static String describe(Kind kind) {
        return switch (kind) {
            case DIRECTORY -> "directory";
            case FILE -> "file";
            case SYMLINK -> "symbolic link";
        };
    }
}
