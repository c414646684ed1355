package cloud.agora.oci;

import static cloud.agora.oci.ImageRejectedException.invalid;
import static cloud.agora.oci.ImageRejectedException.quoted;
import static cloud.agora.oci.ImageRejectedException.tooLarge;
import static cloud.agora.oci.ImageRejectedException.unsupported;

import cloud.agora.oci.HashingInputStream.Budget;
import cloud.agora.oci.HashingInputStream.Refusal;
import cloud.agora.oci.ImageLayer.Compression;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Function images delivered as one file: an OCI image layout in a tar ({@code skopeo copy … oci-archive:}, Docker
 * 25+'s {@code docker save}), or a {@code docker save} archive ({@code manifest.json}; Jib's {@code jib:buildTar}
 * too). {@link #verify} checks everything before anything is written; {@link #unpack} writes the root filesystem of a
 * verified image. The rules are in the module README and on {@link ImageTree}.
 */
public final class OciImages {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    static final String OCI_LAYER_GZIP = OCI_LAYER + "+gzip";

    /** Index, manifest, config and {@code manifest.json} are read into memory: at most this many bytes each. */
    static final int MAX_JSON_BYTES = 4 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("sha256:([0-9a-f]{64})");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final Pattern DIGEST_NAMED = Pattern.compile("(?:blobs/sha256/([0-9a-f]{64}))|(?:([0-9a-f]{64})\\.(?:json|tar|tar\\.gz))");

    private OciImages() {
    }

    /** The architecture images must be built for: this JVM's, in OCI's words ({@code amd64}, {@code arm64}). */
    public static String hostArchitecture() {
        String arch = System.getProperty("os.arch", "");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }

    /**
     * Checks an image archive completely: the archive's size; the one image it holds (the OCI layout's index is
     * followed to the single image manifest for {@code linux/<host architecture>}); every blob read against its
     * descriptor's size and SHA-256; the config against the manifest; every layer's uncompressed stream against the
     * config's {@code rootfs.diff_ids}; every entry of every layer against the entry rules ({@link ImageTree}); the
     * unpacked bytes and entry count against {@code limits}. Writes nothing.
     *
     * @throws ImageRejectedException naming the blob or entry at fault
     * @throws IOException            when the archive file cannot be read at all
     */
    public static VerifiedImage verify(Path archive, OciLimits limits) throws IOException, ImageRejectedException {
        long bytes = Files.size(archive);
        if (bytes > limits.maxArchiveBytes()) {
            throw tooLarge("the archive has " + bytes + " bytes, the most accepted is " + limits.maxArchiveBytes());
        }
        try (ArchiveIndex index = ArchiveIndex.open(archive)) {
            Layout layout;
            if (index.has("oci-layout") && index.has("index.json")) {
                layout = ociLayout(index);
            } else if (index.has("manifest.json")) {
                layout = dockerArchive(index);
            } else {
                throw invalid("the archive is neither an OCI image layout (oci-layout, index.json) nor a docker save "
                        + "archive (manifest.json)");
            }
            JsonNode config = json(layout.configBytes, "the config " + layout.configDigest);
            ImageConfig imageConfig = imageConfig(config);
            List<String> diffIds = diffIds(config, layout.layers.size());

            ImageTree tree = new ImageTree(ImageTree.NOTHING, limits.maxEntries());
            Budget budget = new Budget(limits.maxUnpackedBytes());
            List<ImageLayer> layers = new ArrayList<>();
            for (int i = 0; i < layout.layers.size(); i++) {
                LayerBlob blob = layout.layers.get(i);
                String where = "layer " + (i + 1) + " (" + quoted(blob.name) + ")";
                LayerRead read = readLayer(index, blob.name, blob.compression, i, tree, budget, true);
                if (blob.digest != null && !blob.digest.equals(read.digest)) {
                    throw invalid(where + " hashes to " + read.digest + ", not the " + blob.digest + " it is named by");
                }
                if (blob.size >= 0 && blob.size != read.size) {
                    throw invalid(where + " has " + read.size + " bytes, not the " + blob.size + " its descriptor says");
                }
                if (!diffIds.get(i).equals(read.diffId)) {
                    throw invalid(where + " unpacks to a tar stream hashing to " + read.diffId + ", not the config's "
                            + "diff_id " + diffIds.get(i));
                }
                layers.add(new ImageLayer(read.digest, read.size, read.diffId, read.compression, blob.name));
            }
            tree.checkMountPoints();
            String manifestDigest = layout.manifestDigest != null ? layout.manifestDigest
                    : canonicalManifestDigest(layout.configDigest, layout.configBytes.length, layers);
            return new VerifiedImage(archive, layout.format, manifestDigest, layout.configDigest, imageConfig, layers,
                    budget.used(), tree.entries(), limits);
        }
    }

    /**
     * Writes the root filesystem of {@code image} into {@code target}, which must not exist: the layers in order
     * (whiteouts applied), every file created new and never through a link, owned by the unpacking user (the agent
     * runs as root), with its permission bits but never setuid, setgid or sticky, directories traversable; then the
     * container's mount points where the image lacks them: {@code /proc /dev /sys /function /etc} (0755),
     * {@code /tmp} (1777, also when the image has it), empty {@code /etc/passwd} and {@code /etc/group} (0644).
     * The layers' digests and entry rules are checked again while reading; any failure removes {@code target}.
     *
     * @throws ImageRejectedException when the archive no longer matches what was verified
     * @throws IOException            when writing fails (nothing is left either)
     */
    public static void unpack(VerifiedImage image, Path target) throws IOException, ImageRejectedException {
        Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        boolean done = false;
        try {
            RootfsWriter writer = new RootfsWriter(target);
            ImageTree tree = new ImageTree(writer, image.limits().maxEntries());
            Budget budget = new Budget(image.limits().maxUnpackedBytes());
            try (ArchiveIndex index = ArchiveIndex.open(image.archive())) {
                for (int i = 0; i < image.layers().size(); i++) {
                    ImageLayer layer = image.layers().get(i);
                    LayerRead read = readLayer(index, layer.archiveEntry(), layer.compression(), i, tree, budget, false);
                    if (!read.digest.equals(layer.digest()) || read.size != layer.size()) {
                        throw invalid("layer " + (i + 1) + " (" + quoted(layer.archiveEntry()) + ") changed since it was "
                                + "verified: it now hashes to " + read.digest);
                    }
                }
            }
            tree.checkMountPoints();
            Map<String, Integer> modes = tree.directoryModes();
            for (Map.Entry<String, Integer> dir : modes.entrySet()) {
                writer.mode(dir.getKey(), dir.getValue());
            }
            for (String dir : ImageTree.MOUNT_DIRECTORIES) {
                if (tree.kindAt(dir) == null) {
                    writer.directory(dir);
                    writer.mode(dir, 0755);
                }
            }
            writer.mode("tmp", 01777);
            for (String file : ImageTree.MOUNT_FILES) {
                if (tree.kindAt(file) == null) {
                    writer.emptyFile(file, 0644);
                }
            }
            writer.mode("", 0755);
            done = true;
        } finally {
            if (!done) {
                RootfsWriter.deleteTree(target);
            }
        }
    }

    // ---- layouts

    /** A layer blob as the layout names it; digest null / size −1 when the layout does not say. */
    private record LayerBlob(String name, String digest, long size, Compression compression) {
    }

    private record Layout(VerifiedImage.Format format, String manifestDigest, String configDigest, byte[] configBytes,
            List<LayerBlob> layers) {
    }

    private static Layout ociLayout(ArchiveIndex index) throws IOException, ImageRejectedException {
        JsonNode layoutFile = json(read(index, "oci-layout", MAX_JSON_BYTES), "oci-layout");
        String version = layoutFile.path("imageLayoutVersion").asText("");
        if (!version.startsWith("1.")) {
            throw unsupported("oci-layout says imageLayoutVersion " + quoted(version) + "; this code reads 1.x");
        }
        JsonNode top = json(read(index, "index.json", MAX_JSON_BYTES), "index.json");
        List<JsonNode> candidates = new ArrayList<>();
        collectManifests(index, top, "index.json", 0, null, candidates);
        String arch = hostArchitecture();
        List<JsonNode> matching = new ArrayList<>();
        Set<String> others = new TreeSet<>();
        for (JsonNode candidate : candidates) {
            JsonNode platform = candidate.path("platform");
            if (platform.isMissingNode() || platform.isNull()
                    || ("linux".equals(platform.path("os").asText()) && arch.equals(platform.path("architecture").asText()))) {
                matching.add(candidate);
            } else {
                others.add(platform.path("os").asText() + "/" + platform.path("architecture").asText());
            }
        }
        if (matching.isEmpty()) {
            if (!others.isEmpty()) {
                throw unsupported("the archive has no image for linux/" + arch + ", only for " + String.join(", ", others));
            }
            throw invalid("index.json names no image manifest");
        }
        if (matching.size() > 1) {
            throw invalid("index.json names " + matching.size() + " images for linux/" + arch + ": the archive must hold one");
        }
        JsonNode descriptor = matching.get(0);
        byte[] manifestBytes = blob(index, descriptor, "the image manifest", MAX_JSON_BYTES);
        String manifestDigest = descriptor.path("digest").asText();
        JsonNode manifest = json(manifestBytes, "the image manifest " + manifestDigest);
        if (manifest.path("schemaVersion").asInt() != 2) {
            throw invalid("the image manifest " + manifestDigest + " is not schemaVersion 2");
        }
        String mediaType = manifest.path("mediaType").asText(descriptor.path("mediaType").asText(OCI_MANIFEST));
        if (!mediaType.equals(OCI_MANIFEST) && !mediaType.equals(DOCKER_MANIFEST)) {
            throw unsupported("the image manifest " + manifestDigest + " has the media type " + quoted(mediaType));
        }
        JsonNode configDescriptor = manifest.path("config");
        byte[] configBytes = blob(index, configDescriptor, "the config", MAX_JSON_BYTES);
        List<LayerBlob> layers = new ArrayList<>();
        int n = 0;
        for (JsonNode layer : manifest.path("layers")) {
            n++;
            String where = "layer " + n + " of the manifest";
            String digest = checkedDigest(layer.path("digest").asText(), where);
            long size = layer.path("size").asLong(-1);
            if (size < 0) {
                throw invalid(where + " has no size");
            }
            layers.add(new LayerBlob(blobName(digest), digest, size, layerCompression(layer.path("mediaType").asText(), where)));
        }
        if (!manifest.path("layers").isArray()) {
            throw invalid("the image manifest " + manifestDigest + " has no layers list");
        }
        return new Layout(VerifiedImage.Format.OCI_LAYOUT, manifestDigest, configDescriptor.path("digest").asText(),
                configBytes, layers);
    }

    private static void collectManifests(ArchiveIndex index, JsonNode indexJson, String name, int depth, JsonNode platform,
            List<JsonNode> out) throws IOException, ImageRejectedException {
        if (indexJson.path("schemaVersion").asInt() != 2 || !indexJson.path("manifests").isArray()) {
            throw invalid(name + " is not an image index (schemaVersion 2 with a manifests list)");
        }
        for (JsonNode descriptor : indexJson.path("manifests")) {
            String mediaType = descriptor.path("mediaType").asText(OCI_MANIFEST);
            if (mediaType.equals(OCI_INDEX) || mediaType.equals(DOCKER_LIST)) {
                if (depth >= 2) {
                    throw invalid(name + " nests image indexes more than two deep");
                }
                String digest = descriptor.path("digest").asText();
                JsonNode nested = json(blob(index, descriptor, "the image index " + digest, MAX_JSON_BYTES),
                        "the image index " + digest);
                collectManifests(index, nested, "the image index " + digest, depth + 1, descriptor.path("platform"), out);
            } else if (mediaType.equals(OCI_MANIFEST) || mediaType.equals(DOCKER_MANIFEST)) {
                if ("attestation-manifest".equals(descriptor.path("annotations").path("vnd.docker.reference.type").asText())) {
                    continue; // build provenance, not an image
                }
                if ((descriptor.path("platform").isMissingNode()) && platform != null && !platform.isMissingNode()) {
                    descriptor = ((com.fasterxml.jackson.databind.node.ObjectNode) descriptor.deepCopy()).set("platform", platform);
                }
                out.add(descriptor);
            }
        }
    }

    private static Layout dockerArchive(ArchiveIndex index) throws IOException, ImageRejectedException {
        JsonNode manifests = json(read(index, "manifest.json", MAX_JSON_BYTES), "manifest.json");
        if (!manifests.isArray() || manifests.size() != 1) {
            throw invalid("manifest.json must list exactly one image, it lists "
                    + (manifests.isArray() ? manifests.size() : 0) + " (save one image per archive)");
        }
        JsonNode image = manifests.get(0);
        String configName = image.path("Config").asText("");
        if (configName.isEmpty() || !image.path("Layers").isArray()) {
            throw invalid("manifest.json names no Config or no Layers");
        }
        byte[] configBytes = read(index, configName, MAX_JSON_BYTES);
        String configDigest = HashingInputStream.sha256(configBytes);
        String named = digestInName(configName);
        if (named != null && !named.equals(configDigest)) {
            throw invalid("the config " + quoted(configName) + " hashes to " + configDigest + ", not the digest it is named by");
        }
        List<LayerBlob> layers = new ArrayList<>();
        for (JsonNode layer : image.path("Layers")) {
            String name = layer.asText("");
            layers.add(new LayerBlob(name, digestInName(name), -1, null));
        }
        return new Layout(VerifiedImage.Format.DOCKER_ARCHIVE, null, configDigest, configBytes, layers);
    }

    /**
     * The manifest digest of a docker save archive (it has none of its own): SHA-256 of the OCI image manifest that
     * describes the archive's config and layer blobs as they are, written in this exact form (keys in this order, no
     * white space): {@code {"schemaVersion":2,"mediaType":"<OCI manifest>","config":{"mediaType":"<OCI config>",
     * "digest":…,"size":…},"layers":[{"mediaType":"<OCI layer, +gzip if gzip>","digest":…,"size":…},…]}}.
     */
    static String canonicalManifestDigest(String configDigest, long configSize, List<ImageLayer> layers) {
        StringBuilder json = new StringBuilder();
        json.append("{\"schemaVersion\":2,\"mediaType\":\"").append(OCI_MANIFEST).append("\",\"config\":{\"mediaType\":\"")
                .append(OCI_CONFIG).append("\",\"digest\":\"").append(configDigest).append("\",\"size\":").append(configSize)
                .append("},\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            ImageLayer layer = layers.get(i);
            json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"")
                    .append(layer.compression() == Compression.GZIP ? OCI_LAYER_GZIP : OCI_LAYER).append("\",\"digest\":\"")
                    .append(layer.digest()).append("\",\"size\":").append(layer.size()).append('}');
        }
        json.append("]}");
        return HashingInputStream.sha256(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    // ---- config

    private static ImageConfig imageConfig(JsonNode config) throws ImageRejectedException {
        String os = config.path("os").asText("linux");
        String arch = config.path("architecture").asText(hostArchitecture());
        if (!os.equals("linux") || !arch.equals(hostArchitecture())) {
            throw unsupported("the image is for " + os + "/" + arch + "; this provider runs linux/" + hostArchitecture());
        }
        JsonNode c = config.path("config");
        List<String> ports = new ArrayList<>();
        JsonNode exposed = c.path("ExposedPorts");
        if (exposed.isObject()) {
            for (Iterator<String> it = exposed.fieldNames(); it.hasNext();) {
                ports.add(it.next());
            }
        }
        ports.sort(null);
        return new ImageConfig(strings(c, "Entrypoint"), strings(c, "Cmd"), strings(c, "Env"), text(c, "WorkingDir"),
                text(c, "User"), ports);
    }

    private static List<String> strings(JsonNode c, String field) throws ImageRejectedException {
        JsonNode node = c.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid("the config's " + field + " is not a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw invalid("the config's " + field + " is not a list of strings");
            }
            out.add(item.asText());
        }
        return out;
    }

    private static String text(JsonNode c, String field) throws ImageRejectedException {
        JsonNode node = c.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw invalid("the config's " + field + " is not a string");
        }
        return node.asText();
    }

    private static List<String> diffIds(JsonNode config, int layers) throws ImageRejectedException {
        JsonNode rootfs = config.path("rootfs");
        if (!"layers".equals(rootfs.path("type").asText()) || !rootfs.path("diff_ids").isArray()) {
            throw invalid("the config has no rootfs of type layers with diff_ids");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode id : rootfs.path("diff_ids")) {
            ids.add(checkedDigest(id.asText(), "a diff_id of the config"));
        }
        if (ids.size() != layers) {
            throw invalid("the config lists " + ids.size() + " diff_ids for " + layers + " layers");
        }
        return ids;
    }

    // ---- blobs

    private static String checkedDigest(String digest, String where) throws ImageRejectedException {
        if (SHA256.matcher(digest).matches()) {
            return digest;
        }
        if (DIGEST.matcher(digest).matches()) {
            throw unsupported(where + " has the digest " + quoted(digest) + ": only sha256 is supported");
        }
        throw invalid(where + " has no valid digest (" + quoted(digest) + ")");
    }

    private static String blobName(String digest) {
        return "blobs/sha256/" + digest.substring("sha256:".length());
    }

    private static String digestInName(String name) {
        Matcher m = DIGEST_NAMED.matcher(ArchiveIndex.normal(name));
        if (!m.matches()) {
            return null;
        }
        return "sha256:" + (m.group(1) != null ? m.group(1) : m.group(2));
    }

    /** A small blob named by a descriptor, checked against its size and digest. */
    private static byte[] blob(ArchiveIndex index, JsonNode descriptor, String what, int max)
            throws IOException, ImageRejectedException {
        String digest = checkedDigest(descriptor.path("digest").asText(""), what);
        long size = descriptor.path("size").asLong(-1);
        if (size < 0) {
            throw invalid(what + " (" + digest + ") has no size in its descriptor");
        }
        if (size > max) {
            throw invalid(what + " (" + digest + ") has " + size + " bytes, more than the " + max + " accepted");
        }
        byte[] bytes = read(index, blobName(digest), max);
        if (bytes.length != size) {
            throw invalid(what + " (" + digest + ") has " + bytes.length + " bytes, not the " + size + " its descriptor says");
        }
        String actual = HashingInputStream.sha256(bytes);
        if (!actual.equals(digest)) {
            throw invalid(what + " hashes to " + actual + ", not the " + digest + " its descriptor names");
        }
        return bytes;
    }

    private static byte[] read(ArchiveIndex index, String name, int max) throws IOException, ImageRejectedException {
        TarArchiveEntry entry = index.file(name);
        if (entry.getSize() > max) {
            throw invalid(quoted(name) + " has " + entry.getSize() + " bytes, more than the " + max + " accepted");
        }
        try (InputStream in = index.open(entry)) {
            return in.readNBytes(max);
        }
    }

    private static JsonNode json(byte[] bytes, String what) throws ImageRejectedException {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !(node.isObject() || node.isArray())) {
                throw invalid(what + " is not a JSON document");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw invalid(what + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid(what + " cannot be read: " + e.getMessage());
        }
    }

    private static Compression layerCompression(String mediaType, String where) throws ImageRejectedException {
        String type = mediaType.toLowerCase(Locale.ROOT);
        return switch (type) {
            case "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar",
                    "application/vnd.docker.image.rootfs.diff.tar" -> Compression.NONE;
            case "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                    "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" -> Compression.GZIP;
            default -> {
                if (type.endsWith("+zstd") || type.endsWith(".zstd")) {
                    throw unsupported(where + " is zstd-compressed (" + mediaType + "): only uncompressed and gzip layers are "
                            + "supported; build or copy the image with gzip layers");
                }
                throw unsupported(where + " has the media type " + quoted(mediaType) + ", not a layer this code unpacks");
            }
        };
    }

    // ---- layers

    private record LayerRead(String digest, long size, String diffId, Compression compression) {
    }

    /**
     * Reads one layer blob through the tree: the blob hashed as stored, the compression told by its first bytes
     * (and checked against the media type, when the layout gives one), the uncompressed stream counted against the
     * budget and, when compressed and {@code hashUncompressed}, hashed for its diff_id.
     */
    private static LayerRead readLayer(ArchiveIndex index, String name, Compression declared, int n, ImageTree tree,
            Budget budget, boolean hashUncompressed) throws IOException, ImageRejectedException {
        String where = "layer " + (n + 1) + " (" + quoted(name) + ")";
        TarArchiveEntry entry = index.file(name);
        try (InputStream raw = index.open(entry)) {
            HashingInputStream blob = new HashingInputStream(raw, true, null);
            BufferedInputStream buffered = new BufferedInputStream(blob, 1 << 16);
            buffered.mark(8);
            byte[] magic = buffered.readNBytes(6);
            buffered.reset();
            Compression actual = compressionOf(magic, where);
            if (declared != null && declared != actual) {
                throw invalid(where + " is " + (actual == Compression.GZIP ? "gzip-compressed" : "not compressed")
                        + " but its media type says " + (declared == Compression.GZIP ? "gzip" : "uncompressed"));
            }
            boolean gzip = actual == Compression.GZIP;
            InputStream plain = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            HashingInputStream stream = new HashingInputStream(plain, gzip && hashUncompressed, budget);
            TarArchiveInputStream tar = new TarArchiveInputStream(stream, "UTF-8");
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                tree.apply(e, tar, n);
            }
            stream.drain();
            buffered.transferTo(OutputStream.nullOutputStream());
            String digest = blob.digest();
            String diffId = !gzip ? digest : hashUncompressed ? stream.digest() : null;
            return new LayerRead(digest, blob.count(), diffId, actual);
        } catch (Refusal r) {
            throw r.rejection;
        } catch (RootfsWriter.WriteFailure f) {
            throw f.getCause();
        } catch (IOException | IllegalArgumentException e) {
            throw invalid(where + " is not a readable " + (declared == Compression.GZIP ? "gzip " : "") + "tar: " + e.getMessage());
        }
    }

    private static Compression compressionOf(byte[] magic, String where) throws ImageRejectedException {
        int b0 = magic.length > 0 ? magic[0] & 0xff : -1;
        int b1 = magic.length > 1 ? magic[1] & 0xff : -1;
        if (b0 == 0x1f && b1 == 0x8b) {
            return Compression.GZIP;
        }
        if (magic.length >= 4 && b0 == 0x28 && b1 == 0xb5 && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            throw unsupported(where + " is zstd-compressed: only uncompressed and gzip layers are supported; build or "
                    + "copy the image with gzip layers");
        }
        if (magic.length >= 3 && b0 == 'B' && b1 == 'Z' && magic[2] == 'h' || magic.length >= 6 && b0 == 0xfd && b1 == '7') {
            throw unsupported(where + " is bzip2- or xz-compressed: only uncompressed and gzip layers are supported");
        }
        return Compression.NONE;
    }
}
