package cloud.agora.cli.fn;

import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;

/**
 * {@code fn deploy} against the functions service: publishes the function's spec and artifact as a new version
 * ({@code POST /api/v1/functions}, multipart {@code spec} + {@code bundle}), deploys that version with the folder's
 * deployment request ({@code POST /api/v1/functions/{name}/deployments}: replicas, constraints, max prices) and
 * follows the deployment until it is {@code ACTIVE} (every replica has a lease) or ends.
 */
final class FunctionPublisher {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;
    private final PrintStream progress;

    /** @param token a bearer token of the developer at the functions service */
    FunctionPublisher(String url, String token, PrintStream progress) {
        this.base = url.replaceAll("/+$", "");
        this.token = token;
        this.progress = progress;
    }

    /** The published version ({@code FunctionVersion} as JSON). */
    JsonNode publish(FunctionProject project) throws IOException, InterruptedException {
        if (!Files.isRegularFile(project.artifact())) {
            throw new IOException("no " + project.artifact() + ": run 'fn build' first");
        }
        String boundary = "agora-" + UUID.randomUUID();
        String spec = JsonCodec.write(project.spec());
        String artifactType = project.language().image() ? "application/x-tar" : "application/gzip";
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"spec\"\r\nContent-Type: application/json\r\n\r\n" + spec + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"bundle\"; filename=\"" + project.artifact().getFileName() + "\"\r\n"
                + "Content-Type: " + artifactType + "\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest request = authorized(base + "/api/v1/functions")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofString(head, StandardCharsets.UTF_8),
                        HttpRequest.BodyPublishers.ofFile(project.artifact()),
                        HttpRequest.BodyPublishers.ofString(tail, StandardCharsets.UTF_8)))
                .timeout(Duration.ofMinutes(5)).build();
        return send(request, 201, "publishing " + project.name());
    }

    /**
     * What deploying {@code version} with the folder's deployment request would get and cost now
     * ({@code POST .../deployments/preview}, nothing bid for) at {@code load} (its parts left out take the function's
     * ceilings); {@code version} 0 for the newest published.
     */
    JsonNode preview(FunctionProject project, int version, java.util.Map<String, Object> load)
            throws IOException, InterruptedException {
        ObjectNode order = order(project, version);
        if (!load.isEmpty()) {
            order.set("load", JsonCodec.mapper().valueToTree(load));
        }
        HttpRequest request = authorized(base + "/api/v1/functions/" + project.name() + "/deployments/preview")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(order)))
                .timeout(Duration.ofSeconds(30)).build();
        return send(request, 200, "previewing the deployment of " + project.name());
    }

    /** A preview in a few lines: what would be leased where, at what unit prices, and what the load would cost. */
    static String describe(JsonNode preview) {
        StringBuilder out = new StringBuilder();
        JsonNode load = preview.path("load");
        out.append("preview: ").append(preview.path("wouldLease").asInt()).append(" of ")
                .append(preview.path("replicas").asInt()).append(" replicas would be leased now\n");
        for (JsonNode quote : preview.path("quotes")) {
            JsonNode prices = quote.path("prices");
            out.append(quote.path("wouldLease").asBoolean() ? "  lease " : "  also  ").append(quote.path("provider").asText())
                    .append(": wei per vCPU-second ").append(prices.path("perVcpuSecond").asText())
                    .append(", per GiB-second ").append(prices.path("perGiBSecond").asText())
                    .append(", per call ").append(prices.path("perInvocation").asText()).append('\n');
        }
        JsonNode expected = preview.path("expected");
        if (expected.isObject()) {
            out.append("  at ").append(load.path("callsPerSecond").asText()).append(" calls/s of ")
                    .append(load.path("durationMillis").asText()).append(" ms, ").append(load.path("cpuMillisPerCall").asText())
                    .append(" ms CPU, ").append(load.path("memoryMiB").asText()).append(" MiB: ")
                    .append(expected.path("perMillionCalls").asText()).append(" wei per million calls, ")
                    .append(expected.path("perHour").asText()).append(" wei per hour\n");
        }
        for (JsonNode excluded : preview.path("market").path("excluded")) {
            out.append("  excluded by ").append(excluded.path("constraint").asText()).append(": ")
                    .append(excluded.path("providers").asInt()).append(" of ")
                    .append(preview.path("market").path("providersWithOffers").asInt()).append(" providers (")
                    .append(excluded.path("description").asText()).append(")\n");
        }
        for (JsonNode reason : preview.path("market").path("unmatchedReasons")) {
            out.append("  would rest: ").append(reason.asText()).append('\n');
        }
        return out.toString();
    }

    /** Deploys {@code version}; the deployment as JSON. */
    JsonNode deploy(FunctionProject project, int version) throws IOException, InterruptedException {
        HttpRequest request = authorized(base + "/api/v1/functions/" + project.name() + "/deployments")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(order(project, version))))
                .timeout(Duration.ofSeconds(30)).build();
        return send(request, 201, "deploying " + project.name());
    }

    /** The folder's deployment request (agora.json) for {@code version} (0: the newest published). */
    private static ObjectNode order(FunctionProject project, int version) {
        ObjectNode order = project.deployment().isObject() ? ((ObjectNode) project.deployment()).deepCopy()
                : FunctionTemplates.localDeployment();
        if (version > 0) {
            order.put("version", version);
        }
        return order;
    }

    /**
     * Polls the deployment every second until it is {@code ACTIVE}; fails when it ends otherwise ({@code FAILED},
     * {@code WITHDRAWN}) or {@code wait} passes, naming its status and the marketplace's reasons.
     */
    JsonNode awaitActive(String name, String deployment, Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        String last = "";
        while (true) {
            HttpRequest request = authorized(base + "/api/v1/functions/" + name + "/deployments/" + deployment)
                    .GET().timeout(Duration.ofSeconds(10)).build();
            JsonNode state = send(request, 200, "reading deployment " + deployment);
            String status = state.path("status").asText();
            String seen = status + " " + state.path("reasons");
            if (!seen.equals(last)) {
                progress.println("deployment " + deployment + ": " + status
                        + (state.path("reasons").size() > 0 ? " " + state.path("reasons") : ""));
                last = seen;
            }
            if (status.equals("ACTIVE")) {
                return state;
            }
            if (!status.equals("PENDING")) {
                throw new IOException("deployment " + deployment + " ended " + status + ": " + state.path("reasons"));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("deployment " + deployment + " is still PENDING after " + wait.toSeconds() + " s: "
                        + state.path("reasons"));
            }
            Thread.sleep(1000);
        }
    }

    /** Where anyone calls the function. */
    String callUrl(String name) {
        return base + "/fn/" + name + "/";
    }

    private HttpRequest.Builder authorized(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
    }

    private JsonNode send(HttpRequest request, int expected, String what) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(what + ": " + request.method() + " " + request.uri() + " answered " + response.statusCode()
                    + ": " + response.body());
        }
        return JsonCodec.mapper().readTree(response.body());
    }
}
