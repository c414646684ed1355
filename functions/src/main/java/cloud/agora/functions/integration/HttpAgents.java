package cloud.agora.functions.integration;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.Agents;
import cloud.agora.functions.domain.InvocationFailedException;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * {@link Agents} over HTTP. Calls go through a Vert.x client (keep-alive connections per agent):
 * started on the gateway's event loop, the whole call runs there without a thread hand-off. Only a
 * failure to get a connection counts as unreachable; anything after the request was sent is
 * final. Health probes use the JDK client (they run on the probe thread and may block).
 */
@ApplicationScoped
public class HttpAgents implements Agents {

    private final HttpClient client;
    private final java.net.http.HttpClient probes;
    private final String gatewayToken;
    private final long connectTimeoutMillis;
    private final ObjectMapper json = JsonCodec.mapper();

    public HttpAgents(Vertx vertx, FunctionsConfig config) {
        this.connectTimeoutMillis = config.agentConnectTimeout().toMillis();
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout((int) connectTimeoutMillis), new PoolOptions().setHttp1MaxSize(256));
        this.probes = java.net.http.HttpClient.newBuilder().connectTimeout(config.agentConnectTimeout())
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        this.gatewayToken = config.gatewayToken().orElse("");
    }

    @PreDestroy
    void close() {
        client.close();
    }

    @Override
    public CompletionStage<AgentReply> invoke(String endpoint, AgentCall call, Duration timeout) {
        Buffer body;
        try {
            body = Buffer.buffer(json.writeValueAsBytes(request(call)));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(failed(502, "agent-failed", "The call cannot be encoded", endpoint, call));
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(base(endpoint) + "/api/v1/invocations")
                .setConnectTimeout(connectTimeoutMillis).setIdleTimeout(timeout.toMillis())
                .putHeader("Content-Type", "application/json").putHeader("Authorization", "Bearer " + gatewayToken);
        CompletableFuture<AgentReply> reply = new CompletableFuture<>();
        client.request(options).onFailure(e -> reply.completeExceptionally(new UnreachableException(endpoint + ": " + e)))
                .onSuccess(request -> request.send(body).compose(response -> response.body().map(b -> {
                    if (response.statusCode() != 200) {
                        throw failed(502, "agent-refused", "The agent refused the call (HTTP " + response.statusCode() + ")",
                                endpoint, call);
                    }
                    return reply(b, endpoint, call);
                })).onComplete(done -> {
                    if (done.succeeded()) {
                        reply.complete(done.result());
                    } else if (done.cause() instanceof InvocationFailedException refused) {
                        reply.completeExceptionally(refused);
                    } else if (done.cause() instanceof TimeoutException) {
                        reply.completeExceptionally(failed(504, "agent-timed-out", "The agent did not answer in time",
                                endpoint, call));
                    } else {
                        reply.completeExceptionally(failed(502, "agent-failed", "The agent's connection failed", endpoint,
                                call));
                    }
                }));
        return reply;
    }

    @Override
    public boolean healthy(String endpoint, Duration timeout) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base(endpoint) + "/q/health"))
                    .timeout(timeout).GET().build();
            return probes.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The endpoint without trailing slashes. */
    private static String base(String endpoint) {
        int end = endpoint.length();
        while (end > 0 && endpoint.charAt(end - 1) == '/') {
            end--;
        }
        return endpoint.substring(0, end);
    }

    private static Map<String, Object> request(AgentCall call) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("invocationId", call.invocationId());
        body.put("leaseId", call.leaseId());
        body.put("runtime", call.runtime());
        body.put("bundle", call.bundle());
        body.put("command", call.command());
        body.put("method", call.method());
        body.put("path", call.path());
        body.put("query", call.query());
        body.put("headers", call.headers());
        body.put("body", Base64.getEncoder().encodeToString(call.body()));
        body.put("timeoutMillis", call.timeoutMillis());
        body.put("env", call.env());
        return body;
    }

    private AgentReply reply(Buffer body, String endpoint, AgentCall call) {
        try {
            JsonNode reply = json.readTree(body.getBytes());
            return new AgentReply(reply.path("status").asText(), reply.path("exitCode").asInt(),
                    Base64.getDecoder().decode(reply.path("body").asText("")), reply.path("stderr").asText(""),
                    reply.path("stderrTruncated").asBoolean(false), () -> receipt(reply.path("receipt")));
        } catch (IOException | IllegalArgumentException e) {
            throw failed(502, "agent-failed", "The agent's answer is not readable", endpoint, call);
        }
    }

    /** The receipt as sent, or null when there is none or it is not a well-formed receipt (recorded as missing). */
    private UsageReceipt receipt(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        try {
            return json.treeToValue(node, UsageReceipt.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static InvocationFailedException failed(int status, String slug, String title, String endpoint, AgentCall call) {
        return new InvocationFailedException(status, slug, title, title + " (" + endpoint + ")",
                Map.of("invocationId", call.invocationId(), "leaseId", call.leaseId()));
    }
}
