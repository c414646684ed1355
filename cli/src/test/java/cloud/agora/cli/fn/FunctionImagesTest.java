package cloud.agora.cli.fn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cloud.agora.oci.ImageConfig;
import cloud.agora.oci.OciImages;
import cloud.agora.oci.OciLimits;
import cloud.agora.oci.VerifiedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fn init} and {@code fn build} for real: each template built with its real tool into a real image, verified
 * by the agent's own verifier ({@code oci}), unpacked, and its entrypoint run from the unpacked root as the agent's
 * containers would run it (chrooted, uid 65534, own mount and pid namespaces, nothing of the host but {@code /dev}),
 * then called over HTTP on {@code $PORT}. Costs on the 2-core machine: python ~5 s, node ~6 s, java ~15 s (Maven +
 * jlink), quarkus ~40–70 s (only with {@code -Dfn.quarkus=true}); init and shell well under a second.
 */
class FunctionImagesTest {

    static final OciLimits LIMITS = new OciLimits(1L << 30, 4L << 30, 200_000);
    /** The largest image the functions service takes by default (the governed {@code functions.max-image-size}). */
    static final long MAX_IMAGE_BYTES = 256L << 20;

    @TempDir
    Path dir;

    @Test
    void initCopiesTheTemplateNamesTheSpecAndKeepsTheDeploymentRequest() throws Exception {
        for (Language language : Language.values()) {
            Path folder = dir.resolve("fn-" + language.id());
            FunctionTemplates.init(language, "fn-" + language.id(), folder, FunctionTemplates.localDeployment());

            FunctionProject project = FunctionProject.read(folder);
            assertThat(project.name()).isEqualTo("fn-" + language.id());
            assertThat(project.language()).isEqualTo(language);
            assertThat(project.spec().path("runtime").asText()).isEqualTo(language.image() ? "image" : "shell");
            assertThat(project.spec().path("mode").asText(language.image() ? "" : "exec")).isEqualTo(language.image() ? "http" : "exec");
            assertThat(project.deployment().path("maxPrices").path("perInvocation").asText()).isEqualTo("2000000000");
            assertThat(project.deployment().path("constraints").path("region").asText()).isEqualTo("local");
        }
        assertThat(dir.resolve("fn-shell/handler.sh")).isExecutable();
        assertThat(dir.resolve("fn-quarkus/src/main/resources/application.properties")).content().contains("quarkus.http.port=${PORT:8080}");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
        }
    }

    @Test
    void initRefusesAnExistingFolderAndANameTheServiceWouldRefuse() throws Exception {
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("mine.txt"), "keep");

        assertThatThrownBy(() -> FunctionTemplates.init(Language.NODE, "taken", taken, FunctionTemplates.localDeployment()))
                .isInstanceOf(IOException.class).hasMessageContaining("exists");
        assertThatThrownBy(() -> FunctionTemplates.init(Language.NODE, "Bad_Name", dir.resolve("bad"), FunctionTemplates.localDeployment()))
                .isInstanceOf(IllegalArgumentException.class);

        try (var files = Files.list(taken)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("mine.txt");
        }
        assertThat(dir.resolve("bad")).doesNotExist();
    }

    @Test
    void buildsTheShellBundleReproduciblyWithTheHandlerAtItsRoot() throws Exception {
        Path folder = init(Language.SHELL, "greet");

        Path bundle = new FunctionBuilder(false).build(FunctionProject.read(folder)).artifact();
        byte[] first = Files.readAllBytes(bundle);
        Files.setLastModifiedTime(folder.resolve("handler.sh"), java.nio.file.attribute.FileTime.fromMillis(0));
        new FunctionBuilder(false).build(FunctionProject.read(folder));

        assertThat(bundle).isEqualTo(folder.resolve("target/bundle.tar.gz"));
        assertThat(Files.readAllBytes(bundle)).isEqualTo(first); // same sources, same bytes, same CID
        Map<String, Integer> entries = new TreeMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(bundle)))) {
            for (TarArchiveEntry e; (e = tar.getNextTarEntry()) != null; ) {
                entries.put(e.getName(), e.getMode() & 07777);
                assertThat(e.getLongUserId()).isZero();
            }
        }
        assertThat(entries).containsExactly(Map.entry("handler.sh", 0755)); // not function.json, agora.json or target/
        Process run = new ProcessBuilder("/bin/sh", "handler.sh").directory(folder.toFile()).start();
        run.getOutputStream().write("world".getBytes());
        run.getOutputStream().close();
        assertThat(new String(run.getInputStream().readAllBytes())).isEqualTo("hello world");
    }

    @Test
    void pythonImageVerifiesAndServesFromItsOwnRoot() throws Exception {
        VerifiedImage image = buildAndVerify(Language.PYTHON, "hello-py");
        assertThat(image.config().entrypoint()).containsExactly("/usr/bin/python3.11", "/app/main.py");
        assertThat(image.config().env()).contains("PATH=/usr/bin");
        serves(image);
    }

    @Test
    void nodeImageVerifiesAndServesFromItsOwnRoot() throws Exception {
        VerifiedImage image = buildAndVerify(Language.NODE, "hello-node");
        assertThat(image.config().entrypoint()).containsExactly("/usr/bin/node", "/app/server.js");
        serves(image);
    }

    @Test
    void javaImageVerifiesAndServesFromItsOwnRoot() throws Exception {
        VerifiedImage image = buildAndVerify(Language.JAVA, "hello-java");
        assertThat(image.config().entrypoint()).startsWith("/opt/java/bin/java").endsWith("-jar", "/app/function.jar");
        Path rootfs = serves(image);
        assertThat(rootfs.resolve("opt/java/bin/java")).isExecutable();
        assertThat(rootfs.resolve("usr")).doesNotExist(); // nothing of the host's /usr: the runtime and its libraries only
        assertThat(dir.resolve("hello-java/target/jdk")).doesNotExist();
    }

    @Test
    void quarkusImageVerifiesAndServesFromItsOwnRoot() throws Exception {
        assumeTrue(Boolean.getBoolean("fn.quarkus"), "a Quarkus build and start take ~40 s here: -Dfn.quarkus=true");
        VerifiedImage image = buildAndVerify(Language.QUARKUS, "hello-quarkus");
        assertThat(image.config().entrypoint()).endsWith("-jar", "/app/quarkus-run.jar");
        serves(image);
    }

    private Path init(Language language, String name) throws IOException {
        Path folder = dir.resolve(name);
        FunctionTemplates.init(language, name, folder, FunctionTemplates.localDeployment());
        return folder;
    }

    private VerifiedImage buildAndVerify(Language language, String name) throws Exception {
        Path folder = init(language, name);
        FunctionBuilder.Built built = new FunctionBuilder(false).build(FunctionProject.read(folder));

        assertThat(built.artifact()).isEqualTo(folder.resolve("target/image.tar"));
        assertThat(built.bytes()).isLessThan(MAX_IMAGE_BYTES);
        VerifiedImage image = OciImages.verify(built.artifact(), LIMITS);
        assertThat(image.manifestDigest()).isEqualTo(built.manifestDigest());
        ImageConfig config = image.config();
        assertThat(config.workingDir()).isEqualTo("/app");
        assertThat(config.exposedPorts()).containsExactly("8080/tcp");
        assertThat(config.user()).isNullOrEmpty(); // the agent runs every function as its lease's uid anyway
        System.out.printf("%s image: %d bytes, %d layers, %d entries, %d bytes unpacked, built in %d ms%n", language.id(),
                built.bytes(), image.layers().size(), image.entries(), image.unpackedBytes(), built.millis());
        return image;
    }

    /**
     * Unpacks the image and runs its entrypoint with its environment and {@code PORT} as a container of the agent would
     * (chrooted into the root, uid 65534, own mount and pid namespaces; the host's {@code /dev} bound in for
     * {@code /dev/null} and {@code /dev/urandom}, which runc provides), and calls it.
     */
    private Path serves(VerifiedImage image) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chroot and namespaces need root");
        Path rootfs = dir.resolve("rootfs");
        OciImages.unpack(image, rootfs);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork",
                "--mount-proc=" + rootfs.resolve("proc"), "/bin/sh", "-c",
                host("mount") + " --rbind /dev \"$0/dev\" && exec " + host("chroot") + " --userspec=65534:65534 \"$0\" \"$@\"",
                rootfs.toString()));
        command.addAll(image.config().entrypoint());
        command.addAll(image.config().cmd());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile());
        builder.environment().clear();
        for (String kv : image.config().env()) {
            builder.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("HOME", "/tmp");
        Process server = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest call = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("world"))
                    .timeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            HttpResponse<String> answer = null;
            while (answer == null) {
                assertThat(server.isAlive()).as("the server runs: %s", log()).isTrue();
                try {
                    answer = http.send(call, HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    assertThat(System.nanoTime()).as("the server listens within 60 s: %s", log()).isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("hello world");
        } finally {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
            server.waitFor();
        }
        assertThat(Files.exists(rootfs.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS)).isFalse(); // the bind mount went with its namespace
        return rootfs;
    }

    /** A host tool by its absolute path: the server's environment is the image's, whose PATH does not reach it. */
    private static String host(String tool) {
        for (String bin : List.of("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/")) {
            if (Files.isExecutable(Path.of(bin + tool))) {
                return bin + tool;
            }
        }
        throw new IllegalStateException("no " + tool + " on this host");
    }

    private String log() throws IOException {
        Path log = dir.resolve("server.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
