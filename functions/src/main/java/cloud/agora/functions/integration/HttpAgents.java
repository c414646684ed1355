package cloud.agora.functions.integration;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.invocation.Agents;
import cloud.agora.functions.domain.invocation.Agents.LeaseNotHeldException;
import cloud.agora.functions.domain.invocation.InvocationFailedException;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;

/**
 * {@link Agents} over HTTP. Calls go through a Vert.x client (keep-alive connections per agent):
 * started on the gateway's event loop, the whole call runs there without a thread hand-off. The call is the
 * protocol's {@link InvocationCall} with its grant (no bearer secret: the grant is the authorization). Only a
 * failure to get a connection counts as unreachable; anything after the request was sent is final. What an agent
 * sends back is bounded ({@link #maxReplyBytes}, from the governed {@code functions.max-body-size} in effect when the call
 * is sent): a larger answer is refused as {@code agent-failed} by its
 * Content-Length, or as soon as the bytes that arrived pass the bound (the connection is reset), never buffered
 * whole. Health probes read no body and use a client of their own that keeps no connection: a probe's reset reaches
 * its connection on the event loop after the probe thread saw the status, possibly after the answer ended, and a
 * reset of an ended answer closes the connection, which a kept pool would have handed to a call meanwhile. Calls and
 * probes connect to the address the endpoint check pinned ({@link #to}), never resolving the agent's host again.
 */
@ApplicationScoped
public class HttpAgents implements Agents {

    /** Room for the reply's JSON around the body and stderr: ids, the receipt with its grant, signatures. */
    static final int OVERHEAD_BYTES = 256 * 1024;
    /** The stderr an agent returns: its last 64 KiB, each byte at most 6 in JSON ({@code \u0000}). */
    static final int STDERR_BYTES = 6 * 64 * 1024;
    /** The most of a refusal's problem read (and dropped) to keep its connection. */
    static final int PROBLEM_BYTES = 64 * 1024;
    /** Reads the agent's answer leaving its receipt's tokens unbuilt (the recorder reads it later). */
    private static final ObjectReader WITHOUT_RECEIPT = JsonCodec.mapper().copy()
            .addMixIn(InvocationReply.class, ReceiptReadLater.class).readerFor(InvocationReply.class);

    private final HttpClient client;
    private final HttpClient probes;
    private final long connectTimeoutMillis;
    private final IntSupplier maxBodyBytes;
    private final ObjectMapper json = JsonCodec.mapper();

    @Inject
    public HttpAgents(Vertx vertx, FunctionsConfig config, FunctionRules rules) {
        this(vertx, config.agentConnectTimeout(), () -> rules.inEffect().maxBodyBytes());
    }

    /** @param maxBodyBytes the governed largest body in effect when a call is sent */
    HttpAgents(Vertx vertx, Duration connectTimeout, IntSupplier maxBodyBytes) {
        this.connectTimeoutMillis = connectTimeout.toMillis();
        // Vert.x's own tracing would send the trace of the request being served; invoke sends the call's (CallTraces)
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout((int) connectTimeoutMillis).setTracingPolicy(TracingPolicy.IGNORE),
                new PoolOptions().setHttp1MaxSize(256));
        this.probes = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
                .setConnectTimeout((int) connectTimeoutMillis).setTracingPolicy(TracingPolicy.IGNORE));
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * The most bytes read of an agent's answer: the function's output at the gateway's largest body
     * ({@code maxBody}, base64 in JSON), its stderr tail and {@link #OVERHEAD_BYTES}.
     */
    static long maxReplyBytes(int maxBody) {
        return 4L * ((maxBody + 2L) / 3) + STDERR_BYTES + OVERHEAD_BYTES;
    }

    @PreDestroy
    void close() {
        client.close();
        probes.close();
    }

    @Override
    public CompletionStage<AgentReply> invoke(String endpoint, Optional<InetAddress> address, InvocationCall call,
            Duration timeout) {
        Buffer body;
        try {
            body = Buffer.buffer(json.writeValueAsBytes(call));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(failed(502, "agent-failed", "The call cannot be encoded", endpoint, call));
        }
        RequestOptions options = to(endpoint, address, "/api/v1/invocations").setMethod(HttpMethod.POST)
                .setConnectTimeout(connectTimeoutMillis).setIdleTimeout(timeout.toMillis())
                .putHeader("Content-Type", "application/json");
        // the call's trace (the gateway's span of it is current here), not the trace of the request that caused it
        W3CTraceContextPropagator.getInstance().inject(Context.current(), options,
                (o, name, value) -> o.putHeader(name, value));
        CompletableFuture<AgentReply> reply = new CompletableFuture<>();
        long maxReplyBytes = maxReplyBytes(maxBodyBytes.getAsInt());
        client.request(options).onFailure(e -> reply.completeExceptionally(new UnreachableException(endpoint + ": " + e)))
                .onSuccess(request -> request.send(body)
                        .onSuccess(response -> read(request, response, endpoint, call, maxReplyBytes, reply))
                        .onFailure(e -> reply.completeExceptionally(cause(e, endpoint, call))));
        return reply;
    }

    /** Reads the answer as it arrives, at most {@code maxReplyBytes}; completes {@code reply} once. */
    private void read(HttpClientRequest request, HttpClientResponse response, String endpoint, InvocationCall call,
            long maxReplyBytes, CompletableFuture<AgentReply> reply) {
        if (response.statusCode() == 404) { // lease-not-held, the only 404 of the call: nothing ran
            reply.completeExceptionally(new LeaseNotHeldException(endpoint + " holds no active lease " + call.leaseId()));
            discard(request, response);
            return;
        }
        if (response.statusCode() != 200) {
            reply.completeExceptionally(failed(502, "agent-refused",
                    "The agent refused the call (HTTP " + response.statusCode() + ")", endpoint, call));
            discard(request, response);
            return;
        }
        String length = response.getHeader("Content-Length");
        if (length != null && tooLong(length, maxReplyBytes)) {
            reply.completeExceptionally(tooLarge(endpoint, call, maxReplyBytes, "announced " + length.strip() + " bytes"));
            request.reset();
            return;
        }
        Buffer received = Buffer.buffer();
        response.exceptionHandler(e -> reply.completeExceptionally(cause(e, endpoint, call)));
        response.handler(chunk -> {
            if (reply.isDone()) {
                return;
            }
            if ((long) received.length() + chunk.length() > maxReplyBytes) {
                reply.completeExceptionally(tooLarge(endpoint, call, maxReplyBytes, "more than " + maxReplyBytes
                        + " bytes arrived"));
                request.reset();
                return;
            }
            received.appendBuffer(chunk);
        });
        response.endHandler(done -> {
            if (reply.isDone()) {
                return;
            }
            try {
                reply.complete(reply(received, endpoint, call));
            } catch (InvocationFailedException e) {
                reply.completeExceptionally(e);
            }
        });
    }

    /**
     * Reads a refusal's problem to its end, keeping nothing, so that its connection serves the next call; one larger
     * than {@link #PROBLEM_BYTES} has its connection reset. A reset is kept for that case: run in the call's context,
     * it may come after the answer ended on the connection's loop, and a reset of an ended answer closes the
     * connection, which the pool may already have handed to another call to the same agent.
     */
    private static void discard(HttpClientRequest request, HttpClientResponse response) {
        String length = response.getHeader("Content-Length");
        if (length != null && tooLong(length, PROBLEM_BYTES)) {
            request.reset();
            return;
        }
        long[] received = {0};
        response.exceptionHandler(e -> { });
        response.handler(chunk -> {
            received[0] += chunk.length();
            if (received[0] > PROBLEM_BYTES) {
                request.reset();
            }
        });
    }

    private static boolean tooLong(String length, long maxReplyBytes) {
        try {
            return Long.parseLong(length.strip()) > maxReplyBytes;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static InvocationFailedException tooLarge(String endpoint, InvocationCall call, long maxReplyBytes,
            String what) {
        return new InvocationFailedException(502, "agent-failed", "The agent's answer is too large",
                "the agent's answer is larger than the " + maxReplyBytes + " bytes the gateway reads (" + what + ") ("
                        + endpoint + ")", Map.of("invocationId", call.invocationId(), "leaseId", call.leaseId(),
                                "maxBytes", maxReplyBytes));
    }

    private static InvocationFailedException cause(Throwable e, String endpoint, InvocationCall call) {
        if (e instanceof InvocationFailedException refused) {
            return refused;
        }
        if (e instanceof TimeoutException) {
            return failed(504, Agents.TIMED_OUT, "The agent did not answer in time", endpoint, call);
        }
        return failed(502, "agent-failed", "The agent's connection failed", endpoint, call);
    }

    @Override
    public boolean healthy(String endpoint, Optional<InetAddress> address, Duration timeout) {
        RequestOptions options;
        try {
            options = to(endpoint, address, "/q/health").setMethod(HttpMethod.GET)
                    .setConnectTimeout(connectTimeoutMillis).setIdleTimeout(timeout.toMillis());
        } catch (IllegalArgumentException e) {
            return false;
        }
        CompletableFuture<Boolean> healthy = new CompletableFuture<>();
        probes.request(options).onFailure(e -> healthy.complete(false))
                .onSuccess(request -> request.send().onFailure(e -> healthy.complete(false)).onSuccess(response -> {
                    healthy.complete(response.statusCode() == 200);
                    // its body is not read: the connection (never kept) goes, and the reset the answer then sees is
                    // the probe's own doing, not an error to log (every probe of every agent would log one)
                    response.exceptionHandler(reset -> { });
                    request.reset();
                }));
        try {
            return healthy.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A request to {@code path} of the agent at {@code endpoint}: to the checked {@code address} when there is one (no
     * lookup of the host again: the guard's verdict holds for what is connected to), the endpoint's host and port
     * staying the {@code Host} header and the TLS server name.
     */
    static RequestOptions to(String endpoint, Optional<InetAddress> address, String path) {
        RequestOptions options = new RequestOptions().setAbsoluteURI(base(endpoint) + path);
        address.ifPresent(ip -> {
            URI uri = URI.create(base(endpoint));
            int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            options.setServer(SocketAddress.inetSocketAddress(port, ip.getHostAddress()));
        });
        return options;
    }

    /** The endpoint without trailing slashes. */
    private static String base(String endpoint) {
        int end = endpoint.length();
        while (end > 0 && endpoint.charAt(end - 1) == '/') {
            end--;
        }
        return endpoint.substring(0, end);
    }

    /**
     * The reply without its receipt, which is read later ({@link AgentReply}) from the same bytes: on the call path the
     * receipt's tokens are skipped, not built into objects.
     */
    private AgentReply reply(Buffer received, String endpoint, InvocationCall call) {
        byte[] body = received.getBytes();
        try {
            InvocationReply answer = WITHOUT_RECEIPT.readValue(body);
            if (answer == null || answer.status() == null) {
                throw new IllegalArgumentException("no status");
            }
            return new AgentReply(answer, () -> receipt(body));
        } catch (IOException | IllegalArgumentException e) {
            throw failed(502, "agent-failed", "The agent's answer is not readable", endpoint, call);
        }
    }

    /**
     * The reply's receipt as sent, or null when there is none or it is not a well-formed receipt (recorded as missing).
     */
    private UsageReceipt receipt(byte[] reply) {
        try (JsonParser parser = json.createParser(reply)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("receipt".equals(name)) {
                    return value == JsonToken.VALUE_NULL ? null : json.readValue(parser, UsageReceipt.class);
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Reads an {@link InvocationReply} leaving its receipt out. */
    @JsonIgnoreProperties("receipt")
    private interface ReceiptReadLater {
    }

    private static InvocationFailedException failed(int status, String slug, String title, String endpoint,
            InvocationCall call) {
        return new InvocationFailedException(status, slug, title, title + " (" + endpoint + ")",
                Map.of("invocationId", call.invocationId(), "leaseId", call.leaseId()));
    }
}
