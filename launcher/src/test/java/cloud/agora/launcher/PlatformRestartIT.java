package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * The platform as a user runs it (launcher, embedded PostgreSQL, Kafka process, marketplace
 * process): accepted offers, bids and leases survive the marketplace being killed without
 * warning and the whole platform being restarted on the same state.
 */
class PlatformRestartIT {

    static final String MARKET = "http://localhost:8081";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path state;

    LocalPlatform platform;

    @AfterEach
    void stop() throws Exception {
        platform.close();
    }

    @Test
    void acceptedOffersBidsAndLeasesSurviveACrashAndARestart() throws Exception {
        platform = new LocalPlatform(state).start();
        ECKeyPair providerKey = Keys.createEcKeyPair();
        String provider = PersonalSignature.addressOf(providerKey).checksummed();
        String providerToken = signIn(providerKey);
        ECKeyPair developerKey = Keys.createEcKeyPair();
        String developerToken = signIn(developerKey);
        call("POST", "/api/v1/providers", providerToken,
                Map.of("address", provider, "endpoint", "http://localhost:8090", "region", "restart"), 201);
        call("PUT", "/api/v1/providers/" + provider + "/offer", providerToken, Map.of(
                "capacity", Map.of("cpuMillis", 1000, "memoryMiB", 1024, "storageGiB", 0),
                "prices", Map.of("perVcpuSecond", "100", "perGiBSecond", "10", "perInvocation", "1", "perGiBMonth", "1")), 200);
        Map<String, Object> bid = Map.of("resources", Map.of("cpuMillis", 1000, "memoryMiB", 1024, "storageGiB", 0),
                "maxPrices", Map.of("perVcpuSecond", "500", "perGiBSecond", "50", "perInvocation", "5", "perGiBMonth", "5"),
                "constraints", Map.of("region", "restart"), "ttlSeconds", 3600);
        JsonNode matched = call("POST", "/api/v1/bids", developerToken, bid, 201);
        assertThat(matched.get("status").asText()).isEqualTo("MATCHED");
        String lease = matched.get("leaseIds").get(0).asText();
        JsonNode resting = call("POST", "/api/v1/bids", developerToken, bid, 201);
        assertThat(resting.get("status").asText()).isEqualTo("OPEN");

        // the marketplace dies without a chance to flush anything, then the whole platform restarts
        long marketplacePid = Long.parseLong(Files.readString(state.resolve("pids/marketplace.pid")).strip());
        ProcessHandle.of(marketplacePid).orElseThrow().destroyForcibly();
        platform.stop();
        platform.start();

        String developerAgain = signIn(developerKey);
        assertThat(call("GET", "/api/v1/leases/" + lease, developerAgain, null, 200).get("state").asText()).isEqualTo("ACTIVE");
        JsonNode offer = call("GET", "/api/v1/providers/" + provider, null, null, 200);
        assertThat(offer.get("capacity").get("cpuMillis").asInt()).isEqualTo(1000);
        assertThat(offer.get("free").get("cpuMillis").asInt()).isZero();
        String restingId = resting.get("id").asText();
        assertThat(call("GET", "/api/v1/bids/" + restingId, developerAgain, null, 200).get("status").asText()).isEqualTo("OPEN");

        call("POST", "/api/v1/providers/" + provider + "/heartbeat", signIn(providerKey), Map.of(), 200);
        call("POST", "/api/v1/leases/" + lease + "/close", developerAgain, Map.of("reason", "done"), 200);
        assertThat(call("GET", "/api/v1/bids/" + restingId, developerAgain, null, 200).get("status").asText())
                .isEqualTo("MATCHED");
    }

    private static String signIn(ECKeyPair key) throws IOException, InterruptedException {
        String message = call("POST", "/api/v1/auth/challenge", null,
                Map.of("address", PersonalSignature.addressOf(key).checksummed()), 200).get("message").asText();
        return call("POST", "/api/v1/auth/token", null,
                Map.of("message", message, "signature", PersonalSignature.sign(message, key)), 200).get("token").asText();
    }

    private static JsonNode call(String method, String path, String token, Object body, int expected)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(MARKET + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expected);
        return JsonCodec.mapper().readTree(response.body());
    }
}
