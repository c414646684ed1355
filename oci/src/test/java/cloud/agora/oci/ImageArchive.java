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
import java.util.ArrayList;
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
        byte[] configBytes = ImageBuilder.config(architecture, runConfig, diffIds);
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
            case OCI -> { // the main builder's layout, given blobs that may not match their descriptors
                String configName = configDigestOverride != null ? configDigestOverride : configDigest;
                ImageBuilder.Blob configBlob = new ImageBuilder.Blob(OciImages.OCI_CONFIG, configName, configBytes.length,
                        ImageBuilder.Content.of(configBytes));
                List<ImageBuilder.Blob> layerBlobs = new ArrayList<>();
                for (int i = 0; i < blobs.size(); i++) {
                    String type = layerMediaType != null ? layerMediaType : gzip ? OciImages.OCI_LAYER_GZIP : OciImages.OCI_LAYER;
                    layerBlobs.add(new ImageBuilder.Blob(type, digests.get(i), blobs.get(i).length,
                            ImageBuilder.Content.of(blobs.get(i))));
                }
                byte[] manifestBytes = ImageBuilder.manifest(configBlob, layerBlobs);
                manifestDigest = sha256(manifestBytes);
                List<ImageBuilder.Blob> all = new ArrayList<>(List.of(configBlob));
                all.addAll(layerBlobs);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try {
                    ImageBuilder.writeLayout(out, manifestBytes, manifestDigest, all);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return out.toByteArray();
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
        return ImageBuilder.sha256(bytes);
    }
}
