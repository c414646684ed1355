package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A developer's steps with the functions service of a running platform: pack, publish, deploy, invoke. */
final class FunctionCalls {

    /** Max prices well above the local agents' asks (wei; the agents' defaults are 1e6, 1e5, 1e9, 0). */
    static final Map<String, String> MAX_PRICES = Map.of("perVcpuSecond", "2000000", "perGiBSecond", "200000",
            "perInvocation", "2000000000", "perGiBMonth", "1");

    private FunctionCalls() {
    }

    /** Packs {@code examples/vehicle-speed} with its own script; returns the tar.gz's bytes. */
    static byte[] vehicleSpeedBundle(Path dir) throws Exception {
        Path out = dir.resolve("vehicle-speed.tar.gz");
        Process pack = new ProcessBuilder(LocalPlatform.REPO.resolve("examples/vehicle-speed/pack.sh").toString(), out.toString())
                .redirectErrorStream(true).start();
        String output = new String(pack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pack.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(pack.exitValue()).as("pack.sh: %s", output).isZero();
        return Files.readAllBytes(out);
    }

    /**
     * The developer deposits 1 ETH in the escrow and lets billing's delegate sign vouchers for all of it: billing's
     * credit control pauses a developer who has not (402).
     */
    static void fund(Path state, Signer developer) throws Exception {
        try (Chain chain = Chain.connect(ChainSettings.local(PlatformCalls.CHAIN, 31337))) {
            Escrow escrow = chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()));
            escrow.deposit(developer, Wei.parse("1000000000000000000"));
            escrow.authorize(developer, Address.parse(Platform.address(state, "billing-delegate")),
                    Wei.parse("1000000000000000000"));
        }
    }

    /** A shell function that echoes its body and logs its size on stderr, as a tar.gz (built under {@code work}). */
    static byte[] echoBundle(Path work) throws Exception {
        Path dir = Files.createDirectories(work.resolve("echo"));
        Files.writeString(dir.resolve("handler.sh"), "#!/bin/sh\nbody=$(cat)\necho \"got ${#body} bytes\" >&2\nprintf 'echo:%s' \"$body\"\n");
        Path out = work.resolve("echo.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", out.toString(), "-C", dir.toString(), "handler.sh").inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        return Files.readAllBytes(out);
    }

    /** {@code POST /api/v1/functions}: multipart {@code spec} (JSON) and {@code bundle} (tar.gz); returns the version. */
    static JsonNode publish(String token, Map<String, Object> spec, byte[] bundle) throws Exception {
        HttpResponse<String> response = publishing(token, spec, bundle);
        assertThat(response.statusCode()).as("publish: %s", response.body()).isEqualTo(201);
        return JsonCodec.mapper().readTree(response.body());
    }

    /** {@code POST /api/v1/functions}, whatever the answer. */
    static HttpResponse<String> publishing(String token, Map<String, Object> spec, byte[] bundle) throws Exception {
        String boundary = "agora-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + JsonCodec.write(spec) + "\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"bundle\"; filename=\"bundle.tar.gz\"\r\n"
                + "Content-Type: application/gzip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bundle);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = PlatformCalls.HTTP.send(HttpRequest.newBuilder(URI.create(FUNCTIONS + "/api/v1/functions"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        return response;
    }

    /** Deploys the latest version with {@code replicas} replicas in region {@code local}; waits until it is ACTIVE. */
    static JsonNode deployAndAwaitActive(String token, String function, int replicas) throws Exception {
        return deployAndAwaitActive(token, function, replicas, Map.of());
    }

    /** As {@link #deployAndAwaitActive(String, String, int)}, with more constraints on the bid. */
    static JsonNode deployAndAwaitActive(String token, String function, int replicas, Map<String, Object> constraints)
            throws Exception {
        Map<String, Object> all = new java.util.HashMap<>(constraints);
        all.put("region", "local");
        JsonNode deployment = PlatformCalls.call("POST", FUNCTIONS + "/api/v1/functions/" + function + "/deployments", token,
                Map.of("replicas", replicas, "maxPrices", MAX_PRICES, "constraints", all));
        String id = deployment.get("id").asText();
        return PlatformCalls.await("deployment " + id + " active", Duration.ofSeconds(60),
                () -> PlatformCalls.call("GET", FUNCTIONS + "/api/v1/functions/" + function + "/deployments/" + id, token, null),
                d -> "ACTIVE".equals(d.get("status").asText()));
    }

    /** {@code POST /fn/{function}/} with a text body. */
    static HttpResponse<String> invoke(String function, String body) throws Exception {
        return invoke(FUNCTIONS, function, body);
    }

    /** {@code POST /fn/{function}/} with a text body, through the gateway at {@code gateway}. */
    static HttpResponse<String> invoke(String gateway, String function, String body) throws Exception {
        return PlatformCalls.HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/fn/" + function + "/"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A developer's echo function deployed on the platform's own agent: where the whole-system ITs start. */
    record EchoDeployed(Signer developer, String provider, String gateway, String token) {
    }

    /**
     * Once the platform's agent is in the market: signs the developer in, funds them, publishes {@code function} (the
     * echo bundle, shell) and deploys one replica, until ACTIVE.
     *
     * @return the developer, the provider's checksummed address, the gateway's (lower-case hex) and the developer's token
     */
    static EchoDeployed echoDeployed(Path state, Path work, String function) throws Exception {
        Signer developer = Signer.of(cloud.agora.protocol.eth.KeyFiles.read(state.resolve("keys/developer.key")));
        String provider = Platform.address(state, "provider");
        String gateway = Address.parse(Platform.address(state, "gateway")).value();
        PlatformCalls.await("the agent in the market", Duration.ofSeconds(90),
                () -> PlatformCalls.getOrNull(PlatformCalls.MARKET + "/api/v1/providers/" + provider, null),
                o -> o.path("available").asBoolean(false));
        String token = PlatformCalls.signIn(FUNCTIONS, developer.key());
        fund(state, developer);
        publish(token, Map.of("name", function, "runtime", "shell", "entrypoint", "handler.sh", "memoryMiB", 64,
                "cpuMillis", 100), echoBundle(work));
        deployAndAwaitActive(token, function, 1);
        return new EchoDeployed(developer, provider, gateway, token);
    }
}
