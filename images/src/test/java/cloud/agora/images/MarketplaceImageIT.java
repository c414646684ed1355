package cloud.agora.images;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.PostgresServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The marketplace image as a cluster would run it: its layers unpacked into a root filesystem and started with
 * runc under the image's own entrypoint and user, read-only root, a tmpfs /tmp — against a real PostgreSQL and
 * Kafka — until its readiness probe answers. Proves the registry-free base layer (jlink'ed JDK + C library) and
 * the Quarkus payload form a working image, which no manifest check can.
 */
class MarketplaceImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TARGET = Path.of(System.getProperty("images.dir", "target"));

    @TempDir
    Path work;
    private final String containerId = "agora-image-it-" + UUID.randomUUID().toString().substring(0, 8);
    private Process container;

    @Test
    void marketplaceImageStartsAsNobodyOnAReadOnlyRootAndBecomesReady() throws Exception {
        Path image = TARGET.resolve("marketplace-image.tar");
        assertThat(image).exists();
        Path unpacked = Files.createDirectories(work.resolve("image"));
        run(List.of("tar", "-xf", image.toString(), "-C", unpacked.toString()));
        JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
        JsonNode config = JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile()).get("config");
        assertThat(config.get("User").asText()).isEqualTo("65534:65534");
        assertThat(config.get("ExposedPorts").has("8081/tcp")).isTrue();

        Path bundle = Files.createDirectories(work.resolve("bundle"));
        Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
        for (JsonNode layer : manifest.get("Layers")) {
            run(List.of("tar", "-xzf", unpacked.resolve(layer.asText()).toString(), "-C", rootfs.toString()));
        }

        PostgresServer.Database database = PostgresServer.newDatabase();
        int port = KafkaBroker.freePort();
        List<String> env = new ArrayList<>();
        config.get("Env").forEach(e -> env.add(e.asText()));
        env.add("QUARKUS_HTTP_PORT=" + port);
        env.add("QUARKUS_DATASOURCE_JDBC_URL=" + database.jdbcUrl());
        env.add("QUARKUS_DATASOURCE_USERNAME=" + database.user());
        env.add("QUARKUS_DATASOURCE_PASSWORD=" + database.password());
        env.add("KAFKA_BOOTSTRAP_SERVERS=" + KafkaBroker.bootstrapServers());
        env.add("AGORA_AUTH_SECRET=" + Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'k'));

        run(List.of("runc", "spec", "--bundle", bundle.toString()));
        ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) spec.get("process");
        process.put("terminal", false);
        process.set("args", JSON.valueToTree(entrypoint(config)));
        process.set("env", JSON.valueToTree(env));
        process.put("cwd", config.get("WorkingDir").asText());
        ObjectNode user = process.putObject("user");
        user.put("uid", 65534);
        user.put("gid", 65534);
        ((ObjectNode) spec.get("root")).put("readonly", true);
        ObjectNode tmp = ((ArrayNode) spec.get("mounts")).addObject();
        tmp.put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs");
        tmp.putArray("options").add("nosuid").add("nodev").add("mode=1777").add("size=256m");
        // the host's network namespace, so the service reaches the test's PostgreSQL and Kafka on localhost
        ArrayNode namespaces = (ArrayNode) spec.get("linux").get("namespaces");
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            if (namespaces.get(i).get("type").asText().equals("network")) {
                namespaces.remove(i);
            }
        }
        JSON.writeValue(bundle.resolve("config.json").toFile(), spec);

        Path log = work.resolve("container.log");
        container = new ProcessBuilder("runc", "run", "--bundle", bundle.toString(), containerId)
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        int status = 0;
        while (Instant.now().isBefore(deadline) && container.isAlive()) {
            try {
                status = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        assertThat(status).as("readiness of the containerised marketplace; its output:\n%s", Files.readString(log))
                .isEqualTo(200);
        // it really runs as nobody, under its own PID namespace
        String ps = run(List.of("runc", "ps", "--format", "json", containerId));
        assertThat(ps).isNotBlank();
        String status1 = Files.readString(Path.of("/proc", JSON.readTree(run(List.of("runc", "state", containerId)))
                .get("pid").asText(), "status"));
        assertThat(status1).containsPattern("Uid:\\s+65534\\s");
    }

    @AfterEach
    void removeContainer() throws Exception {
        new ProcessBuilder("runc", "kill", containerId, "KILL").start().waitFor(10, TimeUnit.SECONDS);
        if (container != null) {
            container.waitFor(20, TimeUnit.SECONDS);
        }
        new ProcessBuilder("runc", "delete", "--force", containerId).start().waitFor(10, TimeUnit.SECONDS);
    }

    private static List<String> entrypoint(JsonNode config) {
        List<String> args = new ArrayList<>();
        config.get("Entrypoint").forEach(a -> args.add(a.asText()));
        return args;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s: %s", command, out).isZero();
        return out;
    }
}
