package cloud.agora.agent.api;

import cloud.agora.agent.config.AgentConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Authenticates the platform gateway. Interim scheme: a shared secret from configuration
 * ({@code agent.gateway.token}, set through {@code AGENT_GATEWAY_TOKEN}) sent as a bearer
 * token, compared in constant time. Without a configured secret every call is refused. To be
 * replaced by the gateway's signed token once the functions service issues one.
 */
@Provider
@GatewayOnly
public class GatewayAuthFilter implements ContainerRequestFilter {

    // looked up per request: filters are built at static init, before runtime config mappings exist
    private final Instance<AgentConfig> config;

    public GatewayAuthFilter(Instance<AgentConfig> config) {
        this.config = config;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String expected = config.get().gateway().token().orElse(null);
        if (expected == null || header == null || !header.startsWith("Bearer ")
                || !MessageDigest.isEqual(header.substring(7).getBytes(StandardCharsets.UTF_8),
                        expected.getBytes(StandardCharsets.UTF_8))) {
            request.abortWith(Problems.response(401, "gateway-unauthenticated", "Gateway not authenticated",
                    "only the platform gateway may invoke functions: send its bearer token", null));
        }
    }
}
