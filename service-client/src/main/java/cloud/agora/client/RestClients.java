package cloud.agora.client;

import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.ext.ContextResolver;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * REST clients of protocol's service interfaces for a base URL known only at run time (a configuration, or what the
 * marketplace names).
 * Every client connects within 5 s, waits at most its read timeout for an answer, follows no redirect, and writes and
 * reads bodies with protocol's {@link JsonCodec} mapping, the one signatures and the services' own codecs use. A status
 * of 400 or more is a {@link WebApplicationException} (its problem body readable with {@link #body}); no connection, a
 * timeout or a broken answer is a {@link jakarta.ws.rs.ProcessingException}.
 */
public final class RestClients {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private RestClients() {
    }

    /**
     * A client of {@code api} at {@code baseUrl} (with or without a trailing {@code /}).
     *
     * @param readTimeout how long one call may wait for its answer
     */
    public static <T> T of(Class<T> api, String baseUrl, Duration readTimeout) {
        return QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(baseUrl.replaceAll("/+$", "")))
                .connectTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .followRedirects(false)
                .register(new ProtocolJson())
                .build(api);
    }

    /** The answer's body (a problem, usually), cut to {@code max} characters; empty when it cannot be read. */
    public static String body(WebApplicationException e, int max) {
        String body;
        try {
            body = e.getResponse().readEntity(String.class);
        } catch (RuntimeException unreadable) {
            return "";
        }
        return body == null ? "" : body.length() > max ? body.substring(0, max) + "…" : body;
    }

    /** The HTTP status of a refused call. */
    public static int status(WebApplicationException e) {
        return e.getResponse().getStatus();
    }

    /** protocol's JSON mapping for the clients' bodies. */
    static final class ProtocolJson implements ContextResolver<ObjectMapper> {

        private static final ObjectMapper MAPPER = JsonCodec.configure(new ObjectMapper());

        @Override
        public ObjectMapper getContext(Class<?> type) {
            return MAPPER;
        }
    }
}
