package cloud.agora.cli;

import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/** Sign-in with Ethereum against a service: challenge, personal_sign, bearer token. */
public final class SignIn {

    private SignIn() {
    }

    /** A bearer token of {@code url}'s service for {@code key}'s address. */
    public static String token(String url, ECKeyPair key) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String base = url.replaceAll("/+$", "");
        JsonNode challenge = post(http, base + "/api/v1/auth/challenge",
                Map.of("address", PersonalSignature.addressOf(key).checksummed()));
        String message = challenge.get("message").asText();
        return post(http, base + "/api/v1/auth/token",
                Map.of("message", message, "signature", PersonalSignature.sign(message, key))).get("token").asText();
    }

    private static JsonNode post(HttpClient http, String url, Object body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(body))).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return JsonCodec.mapper().readTree(response.body());
    }
}
