package cloud.agora.marketplace.api;

import static io.restassured.RestAssured.given;

import cloud.agora.testsupport.Wallet;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.Map;

/** A participant of the market in tests: a wallet with a token, speaking the REST API. */
final class Market {

    final Wallet wallet;
    final String token;

    private Market(Wallet wallet) {
        this.wallet = wallet;
        this.token = wallet.signIn();
    }

    static Market participant() {
        return new Market(Wallet.random());
    }

    /** The participant holding {@code wallet}'s key. */
    static Market as(Wallet wallet) {
        return new Market(wallet);
    }

    String address() {
        return wallet.address().checksummed();
    }

    ValidatableResponse post(String path, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).when().post(path).then();
    }

    ValidatableResponse put(String path, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).when().put(path).then();
    }

    ValidatableResponse get(String path) {
        return given().auth().oauth2(token).when().get(path).then();
    }

    ValidatableResponse delete(String path) {
        return given().auth().oauth2(token).when().delete(path).then();
    }

    /** Registers this participant as a provider in {@code region} with an offer. */
    Market provide(String region, Map<String, Object> capacity, Map<String, Object> prices) {
        post("/api/v1/providers", Map.of("address", address(), "endpoint", "http://agent.example:8090", "region", region,
                "attributes", Map.of("runtime.runc", "true"))).statusCode(201);
        put("/api/v1/providers/" + address() + "/offer", Map.of("capacity", capacity, "prices", prices)).statusCode(200);
        return this;
    }

    static Map<String, Object> resources(long cpu, long memory, long storage) {
        return Map.of("cpuMillis", cpu, "memoryMiB", memory, "storageGiB", storage);
    }

    static Map<String, Object> prices(Object cpu, Object memory, Object invocation, Object storage) {
        return Map.of("perVcpuSecond", cpu, "perGiBSecond", memory, "perInvocation", invocation, "perGiBMonth", storage);
    }

    static Map<String, Object> bid(Map<String, Object> resources, int replicas, Map<String, Object> maxPrices) {
        return Map.of("resources", resources, "replicas", replicas, "maxPrices", maxPrices, "ttlSeconds", 600);
    }

    /** One HTTP/1.1 answer read from a raw socket: status line, headers and a body of its Content-Length. */
    static String readAnswer(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
        byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return head + new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
}
