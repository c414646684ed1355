package cloud.agora.functions.integration;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.Agents;
import cloud.agora.functions.domain.InvocationFailedException;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Agents} over HTTP with the JDK client (keep-alive connections per agent). Only a
 * failure to connect counts as unreachable; anything after the request was sent is final.
 */
@ApplicationScoped
public class HttpAgents implements Agents {

    private final HttpClient http;
    private final String gatewayToken;
    private final ObjectMapper json = JsonCodec.mapper();

    public HttpAgents(FunctionsConfig config) {
        this.http = HttpClient.newBuilder().connectTimeout(config.agentConnectTimeout()).version(HttpClient.Version.HTTP_1_1)
                .build();
        this.gatewayToken = config.gatewayToken().orElse("");
    }

    @Override
    public AgentReply invoke(String endpoint, AgentCall call, Duration timeout) {
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
        HttpResponse<byte[]> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.replaceAll("/+$", "") + "/api/v1/invocations"))
                    .timeout(timeout).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + gatewayToken)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException | ConnectException | UnresolvedAddressException e) {
            throw new UnreachableException(endpoint + ": " + e);
        } catch (HttpTimeoutException e) {
            throw failed(504, "agent-timed-out", "The agent did not answer in time", endpoint, call);
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException || e.getCause() instanceof UnresolvedAddressException) {
                throw new UnreachableException(endpoint + ": " + e);
            }
            throw failed(502, "agent-failed", "The agent's connection failed", endpoint, call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(503, "agent-failed", "Interrupted", endpoint, call);
        }
        if (response.statusCode() != 200) {
            throw failed(502, "agent-refused", "The agent refused the call (HTTP " + response.statusCode() + ")", endpoint, call);
        }
        try {
            JsonNode reply = json.readTree(response.body());
            return new AgentReply(reply.path("status").asText(), reply.path("exitCode").asInt(),
                    Base64.getDecoder().decode(reply.path("body").asText("")), reply.path("stderr").asText(""),
                    reply.path("stderrTruncated").asBoolean(false), receipt(reply.path("receipt")));
        } catch (IOException | IllegalArgumentException e) {
            throw failed(502, "agent-failed", "The agent's answer is not readable", endpoint, call);
        }
    }

    @Override
    public boolean healthy(String endpoint, Duration timeout) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.replaceAll("/+$", "") + "/q/health"))
                    .timeout(timeout).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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
