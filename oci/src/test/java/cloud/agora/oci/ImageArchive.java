package cloud.agora.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Image archives as the usual tools write them, built in memory: an OCI image layout in a tar (skopeo's
 * {@code oci-archive:}), a classic {@code docker save} archive, or Jib's {@code buildTar}. Hooks spoil one thing
 * after the digests were taken, to play an attacker.
 */
public final class ImageArchive {

    /** How the archive is laid out. */
    public enum Form {
        OCI, DOCKER_SAVE, JIB
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Form form;
    private final List<LayerTar> layers = new ArrayList<>();
    private boolean gzip;
    private final ObjectNode runConfig = JSON.createObjectNode();
    private String architecture = OciImages.hostArchitecture();
    private String layerMediaType;
    private int tamperedLayer = -1;
    private int tamperedOffset = -1;
    private String configDigestOverride;
    private String manifestDigest;
    private String configDigest;
    private long configSize;

    private ImageArchive(Form form) {
        this.form = form;
        this.gzip = form == Form.JIB;
    }

    public static ImageArchive oci() {
        return new ImageArchive(Form.OCI);
    }

    public static ImageArchive dockerSave() {
        return new ImageArchive(Form.DOCKER_SAVE);
    }

    public static ImageArchive jib() {
        return new ImageArchive(Form.JIB);
    }

    public ImageArchive layer(LayerTar layer) {
        layers.add(layer);
        return this;
    }

    /** Gzip the layers (OCI form; Jib always does, docker save never). */
    public ImageArchive gzip(boolean gzip) {
        this.gzip = gzip;
        return this;
    }

    public ImageArchive entrypoint(String... args) {
        runConfig.set("Entrypoint", JSON.valueToTree(args));
        return this;
    }

    public ImageArchive cmd(String... args) {
        runConfig.set("Cmd", JSON.valueToTree(args));
        return this;
    }

    public ImageArchive env(String... vars) {
        runConfig.set("Env", JSON.valueToTree(vars));
        return this;
    }

    public ImageArchive workingDir(String dir) {
        runConfig.put("WorkingDir", dir);
        return this;
    }

    public ImageArchive user(String user) {
        runConfig.put("User", user);
        return this;
    }

    public ImageArchive exposedPort(String port) {
        runConfig.with("ExposedPorts").set(port, JSON.createObjectNode());
        return this;
    }

    public ImageArchive architecture(String architecture) {
        this.architecture = architecture;
        return this;
    }

    /** OCI form: the layers' media type as written in the manifest (default: what their compression is). */
    public ImageArchive layerMediaType(String mediaType) {
        this.layerMediaType = mediaType;
        return this;
    }

    /** Flips a byte in the middle of layer {@code index}'s stored blob after its digests were taken. */
    public ImageArchive tamperLayer(int index) {
        this.tamperedLayer = index;
        return this;
    }

    /** Flips a bit of byte {@code offset} of layer {@code index}'s stored blob after its digests were taken. */
    public ImageArchive tamperLayerAt(int index, int offset) {
        this.tamperedLayer = index;
        this.tamperedOffset = offset;
        return this;
    }

    /** OCI: the manifest names this as the config's digest, and the config is stored under it. */
    public ImageArchive configDigest(String digest) {
        this.configDigestOverride = digest;
        return this;
    }

    /** The manifest digest of the last archive built (OCI form). */
    public String manifestDigest() {
        return manifestDigest;
    }

    public String configDigest() {
        return configDigest;
    }

    public long configSize() {
        return configSize;
    }

    public Path writeTo(Path file) {
        try {
            Files.write(file, bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    public byte[] bytes() {
        List<String> diffIds = new ArrayList<>();
        List<byte[]> blobs = new ArrayList<>();
        for (LayerTar layer : layers) {
            byte[] tar = layer.bytes();
            diffIds.add(sha256(tar));
            blobs.add(gzip ? gzip(tar) : tar);
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", architecture);
        config.put("os", "linux");
        config.set("config", runConfig);
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(ids::add);
        byte[] configBytes = json(config);
        configDigest = sha256(configBytes);
        configSize = configBytes.length;
        List<String> digests = new ArrayList<>();
        for (byte[] blob : blobs) {
            digests.add(sha256(blob));
        }
        if (tamperedLayer >= 0) {
            byte[] blob = blobs.get(tamperedLayer).clone();
            int at = tamperedOffset >= 0 ? tamperedOffset : blob.length / 2;
            while (tamperedOffset < 0 && blob[at] == 0) {
                at++; // a byte of file content, so the tar stays readable and only the digest tells
            }
            blob[at] ^= 0x01;
            blobs.set(tamperedLayer, blob);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        switch (form) {
            case OCI -> {
                String configName = configDigestOverride != null ? configDigestOverride : configDigest;
                ObjectNode manifest = JSON.createObjectNode();
                manifest.put("schemaVersion", 2);
                manifest.put("mediaType", OciImages.OCI_MANIFEST);
                manifest.set("config", descriptor(OciImages.OCI_CONFIG, configName, configBytes.length));
                ArrayNode ls = manifest.putArray("layers");
                for (int i = 0; i < blobs.size(); i++) {
                    String type = layerMediaType != null ? layerMediaType : gzip ? OciImages.OCI_LAYER_GZIP : OciImages.OCI_LAYER;
                    ls.add(descriptor(type, digests.get(i), blobs.get(i).length));
                }
                byte[] manifestBytes = json(manifest);
                manifestDigest = sha256(manifestBytes);
                ObjectNode index = JSON.createObjectNode();
                index.put("schemaVersion", 2);
                ObjectNode entry = descriptor(OciImages.OCI_MANIFEST, manifestDigest, manifestBytes.length);
                entry.putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
                index.putArray("manifests").add(entry);
                files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
                files.put("index.json", json(index));
                files.put(blobPath(manifestDigest), manifestBytes);
                files.put(blobPath(configName), configBytes);
                for (int i = 0; i < blobs.size(); i++) {
                    files.put(blobPath(digests.get(i)), blobs.get(i));
                }
            }
            case DOCKER_SAVE, JIB -> {
                String configName = form == Form.JIB ? "config.json" : hex(configDigest) + ".json";
                ArrayNode manifest = JSON.createArrayNode();
                ObjectNode image = manifest.addObject();
                image.put("Config", configName);
                image.putArray("RepoTags").add("function:latest");
                ArrayNode names = image.putArray("Layers");
                for (int i = 0; i < blobs.size(); i++) {
                    String name = form == Form.JIB ? hex(digests.get(i)) + ".tar.gz"
                            : hex(sha256(("layer-id-" + i + diffIds.get(i)).getBytes(StandardCharsets.UTF_8))) + "/layer.tar";
                    names.add(name);
                    if (form == Form.DOCKER_SAVE) {
                        files.put(name.replace("layer.tar", "VERSION"), "1.0".getBytes(StandardCharsets.UTF_8));
                    }
                    files.put(name, blobs.get(i));
                }
                files.put(configName, configBytes);
                files.put("manifest.json", json(manifest));
            }
            default -> throw new IllegalStateException();
        }
        return tar(files);
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    private static String blobPath(String digest) {
        return "blobs/sha256/" + hex(digest);
    }

    private static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }

    static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] json(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
