package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;

import cloud.agora.testsupport.Wallet;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
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
