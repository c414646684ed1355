package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/** What the whole-system tests do to a running platform: JSON calls, sign-in, waiting, the chain's JSON-RPC. */
final class PlatformCalls {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String FUNCTIONS = "http://localhost:8080";
    static final String MARKET = "http://localhost:8081";
    static final String BILLING = "http://localhost:8082";
    static final String GOVERNANCE = "http://localhost:8083";
    static final String STORAGE = "http://localhost:8084";
    static final String CHAIN = "http://127.0.0.1:8545";

    private PlatformCalls() {
    }

    /** A condition polled until it holds. */
    interface Check {
        boolean holds() throws Exception;
    }

    /** A value read again until it is what is awaited. */
    interface Read {
        JsonNode read() throws Exception;
    }

    /** Sends a JSON request (no body when {@code body} is null) and returns the raw response. */
    static HttpResponse<String> send(String method, String url, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a JSON request, asserts a 2xx answer and returns its JSON body. */
    static JsonNode call(String method, String url, String token, Object body) throws Exception {
        HttpResponse<String> response = send(method, url, token, body);
        assertThat(response.statusCode()).as("%s %s: %s", method, url, response.body()).isBetween(200, 299);
        return response.body().isEmpty() ? JsonCodec.mapper().nullNode() : JsonCodec.mapper().readTree(response.body());
    }

    /** A GET's JSON body, or null unless it answered 200. */
    static JsonNode getOrNull(String url, String token) throws Exception {
        HttpResponse<String> response = send("GET", url, token, null);
        return response.statusCode() == 200 ? JsonCodec.mapper().readTree(response.body()) : null;
    }

    /** Signs in to the service at {@code base} with Ethereum (EIP-4361) and returns the bearer token. */
    static String signIn(String base, ECKeyPair key) throws Exception {
        String message = call("POST", base + "/api/v1/auth/challenge", null,
                Map.of("address", PersonalSignature.addressOf(key).checksummed())).get("message").asText();
        return call("POST", base + "/api/v1/auth/token", null,
                Map.of("message", message, "signature", PersonalSignature.sign(message, key))).get("token").asText();
    }

    /** Polls {@code check} every half second until it holds, failing after {@code limit}. */
    static void await(String what, Duration limit, Check check) throws Exception {
        Instant deadline = Instant.now().plus(limit);
        while (!check.holds()) {
            assertThat(Instant.now()).as("%s within %d s", what, limit.toSeconds()).isBefore(deadline);
            Thread.sleep(500);
        }
    }

    /** Reads until {@code done} holds for what was read (null reads are retried); returns that value. */
    static JsonNode await(String what, Duration limit, Read read, java.util.function.Predicate<JsonNode> done) throws Exception {
        Instant deadline = Instant.now().plus(limit);
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            last = read.read();
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(what + " did not happen within " + limit.toSeconds() + " s; last seen: " + last);
    }

    static long blockNumber() throws Exception {
        return Long.decode(rpc("eth_blockNumber", List.of()).get("result").asText());
    }

    /** Mines {@code blocks} blocks at once (Anvil's {@code anvil_mine}); nothing when not positive. */
    static void mine(long blocks) throws Exception {
        if (blocks > 0) {
            rpc("anvil_mine", List.of("0x" + Long.toHexString(blocks)));
        }
    }

    static JsonNode rpc(String method, List<Object> params) throws Exception {
        return call("POST", CHAIN, null, Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", params));
    }
}
