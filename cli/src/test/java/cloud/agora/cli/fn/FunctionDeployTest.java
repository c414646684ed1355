package cloud.agora.cli.fn;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.cli.AgoraCli;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import picocli.CommandLine;

/**
 * {@code fn deploy} against a stand-in of the functions service (another process in real life, as billing is for
 * {@code EscrowCommandsTest}): it answers sign-in, records the publish and the deployment request, and reports the
 * deployment PENDING, then ACTIVE — or FAILED. The real service is exercised by deploying on {@code ./agora run}.
 */
class FunctionDeployTest {

    @TempDir
    Path dir;

    private record Received(String method, String path, String authorization, String contentType, byte[] body) {
    }

    /** A preview as functions answers it: one provider would take the replica, another is excluded by its price. */
    static final String PREVIEW = """
            {"function":"greet","version":3,"replicas":1,"wouldLease":1,
             "load":{"callsPerSecond":1,"durationMillis":100,"cpuMillisPerCall":25,"memoryMiB":64},
             "quotes":[{"provider":"0x00000000000000000000000000000000000000aa","region":"local",
               "prices":{"perVcpuSecond":"1000","perGiBSecond":"100","perInvocation":"5","perGiBMonth":"0"},
               "score":null,"wouldLease":true,
               "cost":{"perCall":"30","perMillionCalls":"30000000","perHour":"108000"}}],
             "expected":{"perCall":"30","perMillionCalls":"30000000","perHour":"108000"},
             "market":{"providersWithOffers":2,"excluded":[{"constraint":"MAX_PRICE_PER_VCPU_SECOND","providers":1,
               "description":"asks at most maxPrices.perVcpuSecond"}],"unmatchedReasons":[]}}
            """;

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger polls = new AtomicInteger();

    private HttpServer functions(String finalStatus) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            received.add(new Received(exchange.getRequestMethod(), path, exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            switch (path) {
                case "/api/v1/auth/challenge" -> answer(exchange, 200, "{\"message\":\"sign me\"}");
                case "/api/v1/auth/token" -> answer(exchange, 200, "{\"token\":\"dev-token\"}");
                case "/api/v1/functions" -> answer(exchange, 201,
                        "{\"name\":\"greet\",\"version\":3,\"bundleCid\":\"QmX\",\"bundleBytes\":184}");
                case "/api/v1/functions/greet/deployments/preview" -> answer(exchange, 200, PREVIEW);
                case "/api/v1/functions/greet/deployments" -> answer(exchange, 201,
                        "{\"id\":\"7a0e2f4e-0000-4000-8000-000000000001\",\"status\":\"PENDING\",\"reasons\":[]}");
                default -> answer(exchange, 200, polls.incrementAndGet() < 3
                        ? "{\"status\":\"PENDING\",\"reasons\":[\"no offer in region local yet\"]}"
                        : "{\"status\":\"" + finalStatus + "\",\"reasons\":[\"bid expired\"]}");
            }
        });
        server.start();
        return server;
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void signsInPublishesSpecAndBundleDeploysWithTheBidAndPrintsTheUrlOnceActive() throws Exception {
        Path folder = dir.resolve("greet");
        FunctionTemplates.init(Language.SHELL, "greet", folder, FunctionTemplates.localDeployment());
        byte[] bundle = Files.readAllBytes(new FunctionBuilder(false).build(FunctionProject.read(folder)).artifact());
        ECKeyPair developer = Keys.createEcKeyPair();
        Path key = Files.writeString(dir.resolve("developer.key"), KeyFiles.toHex(developer) + "\n");
        HttpServer server = functions("ACTIVE");
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        String out;
        String err;
        int status;
        try {
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            PrintStream original = System.out;
            PrintStream originalErr = System.err;
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            try {
                status = new CommandLine(new AgoraCli()).execute("fn", "deploy", folder.toString(), "--url", url,
                        "--key", key.toString());
            } finally {
                System.setOut(original);
                System.setErr(originalErr);
            }
            out = stdout.toString(StandardCharsets.UTF_8);
            err = stderr.toString(StandardCharsets.UTF_8);
        } finally {
            server.stop(0);
        }

        assertThat(status).isZero();
        assertThat(out).isEqualTo(url + "/fn/greet/\n");
        JsonNode challenge = JsonCodec.mapper().readTree(received.get(0).body());
        assertThat(challenge.get("address").asText()).isEqualTo(PersonalSignature.addressOf(developer).checksummed());
        Received publish = received.get(2);
        assertThat(publish.path()).isEqualTo("/api/v1/functions");
        assertThat(publish.authorization()).isEqualTo("Bearer dev-token");
        assertThat(publish.contentType()).startsWith("multipart/form-data; boundary=");
        String multipart = new String(publish.body(), StandardCharsets.ISO_8859_1);
        assertThat(multipart).contains("name=\"spec\"").contains("\"name\":\"greet\"").contains("\"runtime\":\"shell\"")
                .contains("name=\"bundle\"; filename=\"bundle.tar.gz\"").contains("Content-Type: application/gzip")
                .contains(new String(bundle, StandardCharsets.ISO_8859_1));
        // the preview first, with the very order the deploy then sends, shown before anything is bid for
        Received preview = received.get(3);
        assertThat(preview.path()).isEqualTo("/api/v1/functions/greet/deployments/preview");
        Received deploy = received.get(4);
        assertThat(deploy.path()).isEqualTo("/api/v1/functions/greet/deployments");
        assertThat(JsonCodec.mapper().readTree(preview.body())).isEqualTo(JsonCodec.mapper().readTree(deploy.body()));
        assertThat(err).contains("preview: 1 of 1 replicas would be leased now")
                .contains("lease 0x00000000000000000000000000000000000000aa: wei per vCPU-second 1000")
                .contains("30000000 wei per million calls, 108000 wei per hour")
                .contains("excluded by MAX_PRICE_PER_VCPU_SECOND: 1 of 2 providers");
        JsonNode order = JsonCodec.mapper().readTree(deploy.body());
        assertThat(order.get("version").asInt()).isEqualTo(3);
        assertThat(order.get("replicas").asInt()).isEqualTo(1);
        assertThat(order.at("/maxPrices/perInvocation").asText()).isEqualTo("2000000000");
        assertThat(received.get(received.size() - 1).path())
                .isEqualTo("/api/v1/functions/greet/deployments/7a0e2f4e-0000-4000-8000-000000000001");
        assertThat(polls.get()).isEqualTo(3);
    }

    @Test
    void failsWithTheMarketplaceReasonsWhenTheDeploymentEndsShortOfActive() throws Exception {
        Path folder = dir.resolve("greet");
        FunctionTemplates.init(Language.SHELL, "greet", folder, FunctionTemplates.localDeployment());
        new FunctionBuilder(false).build(FunctionProject.read(folder));
        Path key = Files.writeString(dir.resolve("developer.key"), KeyFiles.toHex(Keys.createEcKeyPair()) + "\n");
        HttpServer server = functions("FAILED");
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream original = System.err;
        int status;
        try {
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            status = new CommandLine(new AgoraCli()).execute("fn", "deploy", folder.toString(), "--url",
                    "http://127.0.0.1:" + server.getAddress().getPort(), "--key", key.toString());
        } finally {
            System.setErr(original);
            server.stop(0);
        }

        assertThat(status).isEqualTo(1);
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("PENDING [\"no offer in region local yet\"]")
                .contains("ended FAILED: [\"bid expired\"]");
    }

    @Test
    void refusesToDeployWhatWasNotBuilt() throws Exception {
        Path folder = dir.resolve("greet");
        FunctionTemplates.init(Language.PYTHON, "greet", folder, FunctionTemplates.localDeployment());
        Path key = Files.writeString(dir.resolve("developer.key"), KeyFiles.toHex(Keys.createEcKeyPair()) + "\n");
        HttpServer server = functions("ACTIVE");
        int status;
        try {
            status = new CommandLine(new AgoraCli()).execute("fn", "deploy", folder.toString(), "--url",
                    "http://127.0.0.1:" + server.getAddress().getPort(), "--key", key.toString());
        } finally {
            server.stop(0);
        }
        assertThat(status).isEqualTo(1);
        assertThat(received).isEmpty(); // not even a sign-in
    }
}
