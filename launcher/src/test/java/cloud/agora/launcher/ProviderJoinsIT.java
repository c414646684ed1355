package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.testsupport.NetworkSplit;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * The platform's own provider agent against the real marketplace: it joins with its offer, a
 * developer's bid becomes a lease the agent prepares a workload for, and closing the lease
 * makes the agent remove it.
 */
class ProviderJoinsIT {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path state;

    @Test
    void theAgentJoinsAndFollowsItsLeases() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state).start()) {
            String provider = PersonalSignature.addressOf(KeyFiles.read(state.resolve("keys/provider.key"))).checksummed();
            // the agent lists its workloads only to its own provider, signed in at the agent itself
            ECKeyPair providerKey = KeyFiles.read(state.resolve("keys/provider.key"));

            JsonNode offer = await("the agent's offer in the market", () -> get("http://localhost:8081/api/v1/providers/" + provider, null),
                    o -> o.path("available").asBoolean(false));
            assertThat(offer.get("region").asText()).isEqualTo("local");
            nothingListensBeyondThisMachine();
            assertThat(offer.get("capacity").get("cpuMillis").asLong()).isPositive();

            ECKeyPair developerKey = KeyFiles.read(state.resolve("keys/developer.key"));
            String token = signIn(developerKey);
            JsonNode bid = send("POST", "http://localhost:8081/api/v1/bids", token, Map.of(
                    "resources", Map.of("cpuMillis", 250, "memoryMiB", 128, "storageGiB", 0),
                    "maxPrices", Map.of("perVcpuSecond", "2000000", "perGiBSecond", "200000",
                            "perInvocation", "2000000000", "perGiBMonth", "1"),
                    "constraints", Map.of("region", "local")));
            assertThat(bid.get("status").asText()).isEqualTo("MATCHED");
            String lease = bid.get("leaseIds").get(0).asText();

            assertThat(status("http://localhost:8090/api/v1/workloads", null)).isEqualTo(401);
            assertThat(status("http://localhost:8090/api/v1/workloads", signIn("http://localhost:8090", developerKey)))
                    .as("another address's token at the agent").isIn(401, 403);
            String agentToken = signIn("http://localhost:8090", providerKey);
            JsonNode workloads = await("the lease as a workload on the agent",
                    () -> get("http://localhost:8090/api/v1/workloads", agentToken),
                    w -> w.get("workloads").findValuesAsText("leaseId").contains(lease));
            assertThat(workloads.get("marketplaceReachable").asBoolean()).isTrue();

            send("POST", "http://localhost:8081/api/v1/leases/" + lease + "/close", token, Map.of("reason", "done"));
            await("the workload removed", () -> get("http://localhost:8090/api/v1/workloads", agentToken),
                    w -> !w.get("workloads").findValuesAsText("leaseId").contains(lease));
        }
    }

    interface Read {
        JsonNode read() throws Exception;
    }

    private static JsonNode await(String what, Read read, Predicate<JsonNode> done) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            last = read.read();
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + " did not happen within 30 s; last seen: " + last);
    }

    private static String signIn(ECKeyPair key) throws Exception {
        return signIn("http://localhost:8081", key);
    }

    /** Signs in at {@code base}; null when the service gives this key no token. */
    private static String signIn(String base, ECKeyPair key) throws Exception {
        HttpResponse<String> challenge = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/auth/challenge"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(
                        Map.of("address", PersonalSignature.addressOf(key).checksummed())))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (challenge.statusCode() != 200) {
            return null;
        }
        String message = JsonCodec.mapper().readTree(challenge.body()).get("message").asText();
        HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/auth/token"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(
                        Map.of("message", message, "signature", PersonalSignature.sign(message, key))))).build(),
                HttpResponse.BodyHandlers.ofString());
        return token.statusCode() == 200 ? JsonCodec.mapper().readTree(token.body()).get("token").asText() : null;
    }

    private static int status(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static JsonNode get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? JsonCodec.mapper().readTree(response.body()) : null;
    }

    private static JsonNode send(String method, String url, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, url, response.body()).isBetween(200, 299);
        return JsonCodec.mapper().readTree(response.body());
    }

    /**
     * Every port of the running platform (services, agent, PostgreSQL, Kafka and its controller, Anvil), scanned from
     * another network namespace through a veth pair to the host: none answers. A socket the test opens on every
     * interface answers the same scan, so the scan sees what listens beyond loopback.
     */
    private static void nothingListensBeyondThisMachine() throws Exception {
        if (!NetworkSplit.available()) {
            System.out.println("not scanned from another network namespace: needs root, ip netns and nsenter");
            return;
        }
        try (NetworkSplit elsewhere = NetworkSplit.create();
                java.net.ServerSocket control = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("0.0.0.0"))) {
            List<Integer> ports = new java.util.ArrayList<>(List.of(8080, 8081, 8082, 8083, 8084, Platform.AGENT_PORT,
                    Platform.POSTGRES_PORT, Platform.KAFKA_PORT, Platform.KAFKA_CONTROLLER_PORT, Platform.CHAIN_PORT));
            ports.add(control.getLocalPort());
            String host = elsewhere.hostAddress();
            StringBuilder script = new StringBuilder();
            for (int port : ports) {
                script.append("timeout 3 bash -c 'exec 3<>/dev/tcp/").append(host).append('/').append(port)
                        .append("' 2>/dev/null && echo ").append(port).append(";");
            }
            Process scan = new ProcessBuilder(elsewhere.inNamespace(List.of("bash", "-c", script.toString())))
                    .redirectErrorStream(true).start();
            String open = new String(scan.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            assertThat(scan.waitFor()).isNotNegative();
            assertThat(open).as("ports answering at %s from another network namespace", host)
                    .isEqualTo(Integer.toString(control.getLocalPort()));
        }
    }
}
