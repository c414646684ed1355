package cloud.agora.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a function image as one file, with no registry and no container engine: an OCI image layout in a tar (what
 * {@code skopeo copy … oci-archive:} writes), one gzip layer per {@link Layer}, the config with the run settings
 * (entrypoint, command, environment, working directory, exposed ports) for {@code linux/<this machine>}, every blob
 * named by its SHA-256 and every layer's {@code diff_id} the SHA-256 of its uncompressed stream.
 *
 * <p>What it writes always passes {@link OciImages#verify}: entries are root-owned, permission bits are normalised
 * (directories 0755, files 0755 when anyone could run them, else 0644: never setuid, setgid or sticky, and readable
 * by the uid a function runs as), only directories, regular files and symbolic links are written (a host socket,
 * FIFO or device is refused), and names are relative without {@code ..}. Host files keep their modification times
 * (Python checks its {@code .pyc} files against the sources' times); entries are written in name order and the gzip
 * header carries no time, so the same inputs give the same digests.
 *
 * <pre>
 *   ImageBuilder.Built image = new ImageBuilder()
 *       .layer(new ImageBuilder.Layer().copy(Path.of("/usr/bin/node"), "usr/bin/node"))
 *       .layer(new ImageBuilder.Layer().copy(appDir, "app"))
 *       .entrypoint("/usr/bin/node", "/app/server.js").env("PATH", "/usr/bin:/bin").workingDir("/app").exposedPort(8080)
 *       .writeTo(Path.of("target/image.tar"));
 * </pre>
 * Layers are staged in temporary files next to the archive (never held in memory), so an image may be large.
 */
public final class ImageBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Modification time of entries that do not come from a host file (2023-11-14, as a fixed point). */
    static final long FIXED_TIME_MILLIS = 1_700_000_000_000L;

    private final List<Layer> layers = new ArrayList<>();
    private final List<String> entrypoint = new ArrayList<>();
    private final List<String> cmd = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> exposedPorts = new ArrayList<>();
    private String workingDir;
    private String architecture = OciImages.hostArchitecture();
    private int compressionLevel = Deflater.DEFAULT_COMPRESSION;

    /** What was written: the digests a verifier reports for it and the archive's size. */
    public record Built(Path archive, String manifestDigest, String configDigest, long bytes, List<String> diffIds) {
    }

    /** Adds a layer on top of the ones before it. */
    public ImageBuilder layer(Layer layer) {
        layers.add(Objects.requireNonNull(layer, "layer"));
        return this;
    }

    /** The image's {@code Entrypoint}. */
    public ImageBuilder entrypoint(String... args) {
        return entrypoint(List.of(args));
    }

    /** The image's {@code Entrypoint}. */
    public ImageBuilder entrypoint(List<String> args) {
        entrypoint.clear();
        entrypoint.addAll(args);
        return this;
    }

    /** The image's {@code Cmd} (the entrypoint's arguments). */
    public ImageBuilder cmd(String... args) {
        cmd.clear();
        cmd.addAll(List.of(args));
        return this;
    }

    /** One variable of the image's {@code Env}; a name given twice keeps the last value. */
    public ImageBuilder env(String name, String value) {
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("an environment variable's name must be non-empty and have no '=': " + name);
        }
        env.put(name, value);
        return this;
    }

    /** The image's {@code WorkingDir} (absolute). */
    public ImageBuilder workingDir(String dir) {
        if (!dir.startsWith("/")) {
            throw new IllegalArgumentException("the working directory must be absolute: " + dir);
        }
        this.workingDir = dir;
        return this;
    }

    /** A TCP port in the image's {@code ExposedPorts} (documentation for engines; the agent's function port is $PORT). */
    public ImageBuilder exposedPort(int port) {
        exposedPorts.add(port + "/tcp");
        return this;
    }

    /** The config's architecture (default: this machine's, which is what the agent accepts). */
    public ImageBuilder architecture(String architecture) {
        this.architecture = architecture;
        return this;
    }

    /** Gzip level 0–9 of the layers (default: gzip's own default, 6). */
    public ImageBuilder compressionLevel(int level) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("gzip levels are 0 to 9, got " + level);
        }
        this.compressionLevel = level;
        return this;
    }

    /**
     * Writes the archive to {@code archive} (replacing it; written to a temporary file next to it and renamed, so it
     * is complete or absent).
     */
    public Built writeTo(Path archive) throws IOException {
        Path dir = archive.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        List<Path> staged = new ArrayList<>();
        Path partial = Files.createTempFile(dir, ".image-", ".tar.partial");
        try {
            List<Blob> layerBlobs = new ArrayList<>();
            List<String> diffIds = new ArrayList<>();
            for (Layer layer : layers) {
                Path blob = Files.createTempFile(dir, ".layer-", ".tar.gz.partial");
                staged.add(blob);
                String diffId = layer.writeGzip(blob, compressionLevel);
                diffIds.add(diffId);
                layerBlobs.add(new Blob(OciImages.OCI_LAYER_GZIP, digest(blob), Files.size(blob), Content.of(blob)));
            }
            byte[] config = config(architecture, runConfig(), diffIds);
            Blob configBlob = new Blob(OciImages.OCI_CONFIG, sha256(config), config.length, Content.of(config));
            byte[] manifest = manifest(configBlob, layerBlobs);
            String manifestDigest = sha256(manifest);
            List<Blob> blobs = new ArrayList<>();
            blobs.add(configBlob);
            blobs.addAll(layerBlobs);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16)) {
                writeLayout(out, manifest, manifestDigest, blobs);
            }
            Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Built(archive, manifestDigest, configBlob.digest(), Files.size(archive), List.copyOf(diffIds));
        } finally {
            Files.deleteIfExists(partial);
            for (Path blob : staged) {
                Files.deleteIfExists(blob);
            }
        }
    }

    private ObjectNode runConfig() {
        ObjectNode run = JSON.createObjectNode();
        if (!entrypoint.isEmpty()) {
            run.set("Entrypoint", JSON.valueToTree(entrypoint));
        }
        if (!cmd.isEmpty()) {
            run.set("Cmd", JSON.valueToTree(cmd));
        }
        if (!env.isEmpty()) {
            ArrayNode vars = run.putArray("Env");
            env.forEach((k, v) -> vars.add(k + "=" + v));
        }
        if (workingDir != null) {
            run.put("WorkingDir", workingDir);
        }
        if (!exposedPorts.isEmpty()) {
            ObjectNode ports = run.putObject("ExposedPorts");
            exposedPorts.forEach(p -> ports.putObject(p));
        }
        return run;
    }

    // ---- the layout, shared with the tests' archive builder (which writes broken ones on purpose) ----

    /** Where a blob's bytes are: in memory or in a file. */
    interface Content {
        InputStream open() throws IOException;

        static Content of(byte[] bytes) {
            return () -> new java.io.ByteArrayInputStream(bytes);
        }

        static Content of(Path file) {
            return () -> Files.newInputStream(file);
        }
    }

    /** A blob as a descriptor names it ({@code mediaType}, {@code digest}, {@code size}) and its stored bytes. */
    record Blob(String mediaType, String digest, long size, Content content) {
    }

    /** The image config: platform, run settings and the layers' {@code diff_ids}, in this key order. */
    static byte[] config(String architecture, ObjectNode runConfig, List<String> diffIds) {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", architecture);
        config.put("os", "linux");
        config.set("config", runConfig);
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(ids::add);
        return json(config);
    }

    /** An OCI image manifest naming {@code config} and {@code layers} by their descriptors. */
    static byte[] manifest(Blob config, List<Blob> layers) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OciImages.OCI_MANIFEST);
        manifest.set("config", descriptor(config.mediaType(), config.digest(), config.size()));
        ArrayNode list = manifest.putArray("layers");
        layers.forEach(l -> list.add(descriptor(l.mediaType(), l.digest(), l.size())));
        return json(manifest);
    }

    /**
     * The OCI image layout as a tar: {@code oci-layout}, {@code index.json} naming the one manifest (ref name
     * {@code latest}), the manifest under {@code blobs/sha256/<hex of manifestDigest>}, each blob under the hex of its
     * own digest (a blob named twice is written once).
     */
    static void writeLayout(OutputStream out, byte[] manifest, String manifestDigest, List<Blob> blobs) throws IOException {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        ObjectNode entry = descriptor(OciImages.OCI_MANIFEST, manifestDigest, manifest.length);
        entry.putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
        index.putArray("manifests").add(entry);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        byte[] layout = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
        byte[] indexBytes = json(index);
        archiveEntry(tar, "oci-layout", Content.of(layout), layout.length);
        archiveEntry(tar, "index.json", Content.of(indexBytes), indexBytes.length);
        archiveEntry(tar, blobPath(manifestDigest), Content.of(manifest), manifest.length);
        java.util.Set<String> written = new java.util.HashSet<>();
        for (Blob blob : blobs) {
            if (written.add(blob.digest())) {
                archiveEntry(tar, blobPath(blob.digest()), blob.content(), blob.size());
            }
        }
        tar.finish();
        tar.flush();
    }

    private static void archiveEntry(TarArchiveOutputStream tar, String name, Content content, long size)
            throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setSize(size);
        e.setMode(0644);
        e.setModTime(new Date(FIXED_TIME_MILLIS));
        tar.putArchiveEntry(e);
        try (InputStream in = content.open()) {
            if (in.transferTo(tar) != size) {
                throw new IOException(name + " does not have the " + size + " bytes its descriptor says");
            }
        }
        tar.closeArchiveEntry();
    }

    static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    static String blobPath(String digest) {
        return "blobs/sha256/" + digest.substring(digest.indexOf(':') + 1);
    }

    static byte[] json(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code sha256:<hex>} of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha().digest(bytes));
    }

    private static String digest(Path file) throws IOException {
        MessageDigest sha = sha();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One layer: a tree of image paths, each a directory, a file (host file or given bytes) or a symbolic link.
     * Parent directories are added as needed; a path given twice keeps the last.
     */
    public static final class Layer {

        private sealed interface Node permits Dir, HostFile, Bytes, Link {
        }

        private record Dir(long mtime) implements Node {
        }

        private record HostFile(Path source, int mode, long mtime) implements Node {
        }

        private record Bytes(byte[] content, int mode) implements Node {
        }

        private record Link(String target) implements Node {
        }

        private final TreeMap<String, Node> nodes = new TreeMap<>();

        /** An empty directory at {@code path} (0755). */
        public Layer directory(String path) {
            put(path, new Dir(FIXED_TIME_MILLIS));
            return this;
        }

        /** A file with {@code content}: mode 0755 when {@code executable}, else 0644. */
        public Layer file(String path, byte[] content, boolean executable) {
            put(path, new Bytes(content.clone(), executable ? 0755 : 0644));
            return this;
        }

        /** A UTF-8 text file (0644). */
        public Layer file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), false);
        }

        /** A symbolic link at {@code path} to {@code target} (any target: it is resolved inside the container). */
        public Layer symlink(String path, String target) {
            put(path, new Link(target));
            return this;
        }

        /**
         * A host file or tree at {@code path}. A host file that is a symbolic link is copied as the file it leads to
         * (what a loader found at that name: {@code ldd}'s libraries); inside a copied directory, symbolic links stay
         * links. Sockets, FIFOs and devices are refused.
         */
        public Layer copy(Path host, String path) throws IOException {
            if (Files.isDirectory(host)) {
                Path root = host.toRealPath();
                List<Path> walked;
                try (Stream<Path> walk = Files.walk(root)) {
                    walked = walk.sorted().toList();
                }
                for (Path p : walked) {
                    String rel = root.relativize(p).toString();
                    String name = rel.isEmpty() ? path : join(path, rel);
                    BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (attrs.isSymbolicLink()) {
                        put(name, new Link(Files.readSymbolicLink(p).toString()));
                    } else if (attrs.isDirectory()) {
                        put(name, new Dir(attrs.lastModifiedTime().toMillis()));
                    } else if (attrs.isRegularFile()) {
                        put(name, new HostFile(p, mode(p), attrs.lastModifiedTime().toMillis()));
                    } else {
                        throw new IOException(p + " is neither a file, a directory nor a symbolic link: not put in an image");
                    }
                }
            } else if (Files.isRegularFile(host)) {
                put(path, new HostFile(host, mode(host), Files.getLastModifiedTime(host).toMillis()));
            } else {
                throw new IOException(host + " is not a file or directory");
            }
            return this;
        }

        /** The image paths of this layer, in the order they are written. */
        public List<String> paths() {
            return List.copyOf(nodes.keySet());
        }

        private void put(String path, Node node) {
            String name = normalise(path);
            for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
                String parent = name.substring(0, slash);
                Node existing = nodes.get(parent);
                if (existing == null) {
                    nodes.put(parent, new Dir(FIXED_TIME_MILLIS));
                } else if (!(existing instanceof Dir)) {
                    throw new IllegalArgumentException(path + ": its parent " + parent + " is not a directory in this layer");
                }
            }
            Node replaced = nodes.put(name, node);
            if (replaced instanceof Dir && !(node instanceof Dir)) {
                nodes.subMap(name + "/", name + "0").clear(); // '0' follows '/': everything under the directory
            }
        }

        private static String normalise(String path) {
            String name = path.replaceAll("/+", "/").replaceAll("^/|/$", "");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("an entry needs a name below the root: '" + path + "'");
            }
            for (String part : name.split("/")) {
                if (part.equals("..") || part.equals(".")) {
                    throw new IllegalArgumentException("'.' and '..' are not allowed in image paths: " + path);
                }
            }
            return name;
        }

        private static String join(String dir, String rel) {
            return dir.replaceAll("/+$", "") + "/" + rel;
        }

        private static int mode(Path file) throws IOException {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return (mode & 0111) != 0 ? 0755 : 0644;
        }

        /** Writes the layer as a gzip tar to {@code blob}; returns its diff_id (SHA-256 of the tar stream). */
        String writeGzip(Path blob, int level) throws IOException {
            MessageDigest diff = sha();
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(blob), 1 << 16);
                    GZIPOutputStream gzip = new GZIPOutputStream(file, 1 << 16) {
                        {
                            def.setLevel(level);
                        }
                    };
                    DigestOutputStream hashed = new DigestOutputStream(gzip, diff);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(hashed, "UTF-8")) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Map.Entry<String, Node> e : nodes.entrySet()) {
                    write(tar, e.getKey(), e.getValue());
                }
                tar.finish();
            }
            return "sha256:" + HexFormat.of().formatHex(diff.digest());
        }

        private static void write(TarArchiveOutputStream tar, String name, Node node) throws IOException {
            TarArchiveEntry entry;
            if (node instanceof Dir d) {
                entry = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
                entry.setMode(0755);
                entry.setModTime(new Date(d.mtime()));
            } else if (node instanceof HostFile f) {
                entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                entry.setMode(f.mode());
                entry.setSize(Files.size(f.source()));
                entry.setModTime(new Date(f.mtime()));
            } else if (node instanceof Bytes b) {
                entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                entry.setMode(b.mode());
                entry.setSize(b.content().length);
                entry.setModTime(new Date(FIXED_TIME_MILLIS));
            } else {
                entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
                entry.setLinkName(((Link) node).target());
                entry.setMode(0777);
                entry.setModTime(new Date(FIXED_TIME_MILLIS));
            }
            entry.setUserId(0);
            entry.setGroupId(0);
            entry.setUserName("root");
            entry.setGroupName("root");
            tar.putArchiveEntry(entry);
            if (node instanceof HostFile f) {
                long expected = entry.getSize();
                try (InputStream in = Files.newInputStream(f.source())) {
                    long copied = in.transferTo(tar);
                    if (copied != expected) {
                        throw new IOException(f.source() + " changed size while it was put in the image");
                    }
                }
            } else if (node instanceof Bytes b) {
                tar.write(b.content());
            }
            tar.closeArchiveEntry();
        }
    }
}
