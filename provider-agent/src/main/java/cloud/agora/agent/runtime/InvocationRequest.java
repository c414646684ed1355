package cloud.agora.agent.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One call: the body and its metadata. An exec-mode function gets the body on stdin and the metadata in environment
 * variables (DESIGN.md, runtime contract: {@code AGORA_METHOD}, {@code AGORA_PATH}, {@code AGORA_QUERY},
 * {@code HTTP_<HEADER>}); an HTTP-mode function gets {@link #http()} as an HTTP request.
 *
 * @param invocationId unique on the platform
 * @param body         the request body
 * @param environment  already-sanitised variables (names {@code [A-Z_][A-Z0-9_]*}, values one line)
 * @param http         the original request's method, path, query and headers
 */
public record InvocationRequest(UUID invocationId, byte[] body, Map<String, String> environment, HttpCall http) {

    /**
     * The request line and headers of a call as the platform received it.
     *
     * @param method  e.g. {@code POST}
     * @param path    starts with {@code /}
     * @param query   without the {@code ?}, empty when none
     * @param headers name → value
     */
    public record HttpCall(String method, String path, String query, Map<String, String> headers) {

        public HttpCall {
            method = method == null ? "POST" : method;
            path = path == null || path.isEmpty() ? "/" : path;
            query = query == null ? "" : query;
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }
    }

    public InvocationRequest {
        Objects.requireNonNull(invocationId, "invocationId");
        body = body == null ? new byte[0] : body;
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        http = http == null ? new HttpCall(null, null, null, null) : http;
    }

    /** A call without HTTP metadata. */
    public InvocationRequest(UUID invocationId, byte[] body, Map<String, String> environment) {
        this(invocationId, body, environment, null);
    }

    /** A call with just a body. */
    public static InvocationRequest of(String body) {
        return new InvocationRequest(UUID.randomUUID(), body.getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
