package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.testsupport.Wallet;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A developer in tests: a wallet with a token, speaking the functions API. */
final class Developer {

    final Wallet wallet;
    final String token;

    private Developer(Wallet wallet) {
        this.wallet = wallet;
        this.token = wallet.signIn();
    }

    static Developer signedIn() {
        return new Developer(Wallet.random());
    }

    String address() {
        return wallet.address().checksummed();
    }

    /** Publishes a version: multipart spec (JSON text) + bundle. */
    ValidatableResponse publish(String specJson, byte[] bundle) {
        var request = given().auth().oauth2(token).multiPart("spec", specJson, "application/json");
        if (bundle != null) {
            request = request.multiPart("bundle", "bundle.tar.gz", bundle, "application/gzip");
        }
        return request.when().post("/api/v1/functions").then();
    }

    ValidatableResponse publish(Map<String, Object> spec, byte[] bundle) {
        return publish(Json.write(spec), bundle);
    }

    ValidatableResponse get(String path) {
        return given().auth().oauth2(token).when().get(path).then();
    }

    ValidatableResponse delete(String path) {
        return given().auth().oauth2(token).when().delete(path).then();
    }

    ValidatableResponse post(String path, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).when().post(path).then();
    }

    /**
     * Deploys {@code name} with one replica per endpoint, the marketplace stand-in placing them on those agents, and
     * checks the deployment is ACTIVE.
     */
    void deployOn(String name, String... endpoints) {
        MarketplaceStub.endpoints = List.of(endpoints);
        try {
            post("/api/v1/functions/" + name + "/deployments", new HashMap<>(Map.of("replicas", endpoints.length,
                    "maxPrices", DeploymentTest.MAX, "constraints", Map.of("region", "eu")))).statusCode(201)
                    .body("status", equalTo("ACTIVE"));
        } finally {
            MarketplaceStub.endpoints = List.of();
        }
    }

    /** A minimal valid spec for {@code name}. */
    static Map<String, Object> spec(String name) {
        return new java.util.HashMap<>(Map.of("name", name, "runtime", "shell"));
    }

    static final class Json {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

        static String write(Object value) {
            try {
                return MAPPER.writeValueAsString(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
