package cloud.agora.cli;

import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The helper's requests to the platform's services: a JSON body (a protocol record, written by the protocol's codec)
 * and an optional bearer token in; the body of a 2xx answer out; any other answer fails with the service's problem.
 */
public final class Api {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private Api() {
    }

    /** Sends {@code method url} with {@code token} (or none) and {@code body} (or none); the 2xx answer's body. */
    public static String send(String method, String url, String token, Record body) throws IOException, InterruptedException {
        String json = body == null ? null : JsonCodec.write(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** {@link #send} whose answer is JSON. */
    public static JsonNode json(String method, String url, String token, Record body) throws IOException, InterruptedException {
        return JsonCodec.mapper().readTree(send(method, url, token, body));
    }

    /** {@code url} without its trailing slashes, to append a path to. */
    public static String base(String url) {
        return url.replaceAll("/+$", "");
    }
}
