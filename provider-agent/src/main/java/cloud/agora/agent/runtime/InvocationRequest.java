package cloud.agora.agent.runtime;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One call: the body for stdin and the metadata for the environment (DESIGN.md, runtime
 * contract: {@code AGORA_METHOD}, {@code AGORA_PATH}, {@code AGORA_QUERY}, {@code HTTP_<HEADER>}).
 *
 * @param invocationId unique on the platform
 * @param body         the request body
 * @param environment  already-sanitised variables (names {@code [A-Z_][A-Z0-9_]*}, values one line)
 */
public record InvocationRequest(UUID invocationId, byte[] body, Map<String, String> environment) {

    public InvocationRequest {
        Objects.requireNonNull(invocationId, "invocationId");
        body = body == null ? new byte[0] : body;
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    /** A call with just a body. */
    public static InvocationRequest of(String body) {
        return new InvocationRequest(UUID.randomUUID(), body.getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
    }
}
