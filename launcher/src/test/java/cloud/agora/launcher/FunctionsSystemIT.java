package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.oci.ImageArchive;
import cloud.agora.oci.LayerTar;
import cloud.agora.protocol.eth.KeyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The functions whole-system test on this machine: the real marketplace, storage gateway and three provider
 * agents (runc). A shell function from a bundle is deployed with 2 replicas (on two of the agents), invoked
 * synchronously and asynchronously, its stderr read as logs (SSE) and its usage read; one replica's
 * agent is stopped mid-traffic and calls keep succeeding on the other; the gateway, whose health checks
 * see the agent gone for {@code replace-unhealthy-after}, closes the lost replica's lease for the developer
 * and re-bids, so the deployment is ACTIVE with 2 replicas again, the new one on the third provider — the
 * replacement bid stays off the provider of the surviving replica — with nobody touching the lease by hand.
 */
class FunctionsSystemIT {

    static final String FUNCTION = "sys-echo";
    static final String IMAGE_FUNCTION = "sys-image";
    static final String SCALED_FUNCTION = "sys-scaled";

    @TempDir
    Path state;

    @TempDir
    Path work;

    /** One call of the traffic: when it started and ended, its status and which provider answered. */
    record Call(Instant started, Instant ended, int status, String provider, String body) {
    }

    @Test
    void twoReplicasServeSyncAndAsyncCallsAndSurviveALostAgent() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state, "--agents", "3")
                // agents heard from every 2 s; a provider silent for 8 s gets no new leases
                .withEnv("AGENT_MARKETPLACE_HEARTBEAT_INTERVAL", "2s")
                .withEnv("AGORA_MARKET_HEARTBEAT_TIMEOUT", "8s")
                // the gateway probes agents every second and gives up one that failed every probe for 10 s
                .withEnv("AGORA_FUNCTIONS_HEALTH_INTERVAL", "1s")
                .withEnv("AGORA_FUNCTIONS_HEALTH_FAILURES", "2")
                .withEnv("AGORA_FUNCTIONS_REPLACE_UNHEALTHY_AFTER", "10s")
                // scaled deployments: up after 2 s above the target, down after 5 s within one replica fewer
                .withEnv("AGORA_FUNCTIONS_SCALING_UP_WINDOW", "2s")
                .withEnv("AGORA_FUNCTIONS_SCALING_DOWN_AFTER", "5s")
                .start()) {
            Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
            String token = signIn(FUNCTIONS, developer.key());
            // a developer who has not deposited and authorized billing's delegate is paused by billing's credit
            // control (402): fund and authorize first
            FunctionCalls.fund(state, developer);
            for (String key : List.of("provider", "provider-2", "provider-3")) {
                String provider = Platform.address(state, key);
                await("agent " + key + " in the market", Duration.ofSeconds(60),
                        () -> PlatformCalls.getOrNull(MARKET + "/api/v1/providers/" + provider, null),
                        o -> o.path("available").asBoolean(false));
            }

            FunctionCalls.publish(token, Map.of("name", FUNCTION, "runtime", "shell", "entrypoint", "handler.sh",
                    "memoryMiB", 64, "cpuMillis", 100), FunctionCalls.echoBundle(work));
            JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, FUNCTION, 2);
            List<String> placed = new ArrayList<>();
            deployment.get("placed").forEach(r -> placed.add(r.get("provider").asText().toLowerCase()));
            assertThat(new HashSet<>(placed)).as("two replicas on two providers").hasSize(2);

            // synchronous
            HttpResponse<String> sync = FunctionCalls.invoke(FUNCTION, "hello");
            assertThat(sync.statusCode()).as(sync.body()).isEqualTo(200);
            assertThat(sync.body()).isEqualTo("echo:hello");

            // asynchronous: 202 with an id, then the result
            JsonNode accepted = call("POST", FUNCTIONS + "/api/v1/functions/" + FUNCTION + "/invocations", token, "later");
            String id = accepted.get("id").asText();
            JsonNode done = await("async invocation " + id, Duration.ofSeconds(60),
                    () -> call("GET", FUNCTIONS + "/api/v1/invocations/" + id, token, null),
                    i -> "SUCCEEDED".equals(i.get("status").asText()));
            assertThat(new String(Base64.getDecoder().decode(done.get("result").get("body").asText()), StandardCharsets.UTF_8))
                    .isEqualTo("echo:\"later\"");

            // replicas that follow the load: 1 to 3 at 2 calls in flight each, for a function whose calls take a second
            scalesWithTheLoadAndBackWithNoCallFailing(token);

            // traffic while one replica's agent stops
            List<Call> calls = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread traffic = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    Instant started = Instant.now();
                    try {
                        HttpResponse<String> r = FunctionCalls.invoke(FUNCTION, "call-" + n++);
                        calls.add(new Call(started, Instant.now(), r.statusCode(),
                                r.headers().firstValue("Agora-Provider").orElse("").toLowerCase(), r.body()));
                    } catch (Exception e) {
                        calls.add(new Call(started, Instant.now(), -1, "", e.toString()));
                    }
                    try {
                        Thread.sleep(50); // well under the gateway's per-caller rate limit
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "traffic");
            traffic.start();
            await("ten answered calls before the agent stops", Duration.ofSeconds(60),
                    () -> calls.stream().filter(c -> c.status() == 200).count() >= 10);
            String victim = placed.get(0);
            String victimPart = partOf(victim);
            ProcessHandle agent = ProcessHandle.of(platform.pid(victimPart)).orElseThrow();
            Instant stopping = Instant.now();
            agent.destroy();
            agent.onExit().get(60, TimeUnit.SECONDS);
            Instant killed = Instant.now();
            await("twenty calls ended after the agent stopped", Duration.ofSeconds(120),
                    () -> calls.stream().filter(c -> c.started().isAfter(killed)).count() >= 20);
            running.set(false);
            traffic.join(60_000);

            List<Call> after = calls.stream().filter(c -> c.started().isAfter(killed)).toList();
            assertThat(calls.stream().filter(c -> c.ended().isBefore(stopping)).toList()).isNotEmpty()
                    .allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
            // a call the stopping agent had already taken cannot be retried elsewhere (it may have run): it fails
            // as the agent's failure, never as anything else
            assertThat(calls.stream().filter(c -> !c.ended().isBefore(stopping) && !c.started().isAfter(killed)).toList())
                    .allSatisfy(c -> assertThat(c.status() == 200 || c.body().contains("urn:agora:problem:agent-failed"))
                            .as(c.body()).isTrue());
            assertThat(after).as("calls after the agent stopped").hasSizeGreaterThan(5)
                    .allSatisfy(c -> {
                        assertThat(c.status()).as(c.body()).isEqualTo(200);
                        assertThat(c.provider()).isEqualTo(placed.get(1));
                    });

            // logs (the function's stderr, SSE) and usage
            String logs = sse(FUNCTIONS + "/api/v1/functions/" + FUNCTION + "/logs", token);
            assertThat(logs).contains("got 5 bytes").contains("data:");
            JsonNode usage = call("GET", FUNCTIONS + "/api/v1/functions/" + FUNCTION + "/usage", token, null);
            assertThat(usage.get("invocations").asLong()).isGreaterThanOrEqualTo(2 + after.size());

            // the gateway gives the dead agent's replica up (its lease closed for the developer) and re-bids
            String lostLease = null;
            for (JsonNode replica : deployment.get("placed")) {
                if (replica.get("provider").asText().equalsIgnoreCase(victim)) {
                    lostLease = replica.get("leaseId").asText();
                }
            }
            Set<String> firstLeases = new HashSet<>(deployment.get("placed").findValuesAsText("leaseId"));
            String deploymentId = deployment.get("id").asText();
            JsonNode rebid = await("a replacement replica", Duration.ofSeconds(60),
                    () -> call("GET", FUNCTIONS + "/api/v1/functions/" + FUNCTION + "/deployments/" + deploymentId, token, null),
                    d -> d.get("placed").size() == 2
                            && d.get("placed").findValuesAsText("leaseId").stream().anyMatch(l -> !firstLeases.contains(l)));
            assertThat(rebid.get("status").asText()).isEqualTo("ACTIVE");
            assertThat(rebid.get("placed").findValuesAsText("leaseId")).doesNotContain(lostLease);
            JsonNode closedLease = call("GET", MARKET + "/api/v1/leases/" + lostLease, token, null);
            assertThat(closedLease.get("state").asText()).isEqualTo("CLOSED");
            assertThat(closedLease.get("closeReason").asText()).isEqualTo("provider-unreachable");
            assertThat(rebid.get("placed").findValuesAsText("provider").stream().map(String::toLowerCase).toList())
                    .as("the survivor keeps its replica; the replacement is on the third provider, not the victim's"
                            + " and not the survivor's").contains(placed.get(1)).doesNotContain(victim)
                    .doesNotHaveDuplicates();
            HttpResponse<String> still = FunctionCalls.invoke(FUNCTION, "after");
            assertThat(still.statusCode()).isEqualTo(200);

            // a function in its own OCI image (made here without any registry: busybox, a static binary, and a CGI
            // script; busybox's web server its entrypoint), served in HTTP mode: its own status, headers and body. Last,
            // so that its calls leave no kept connection to the agent stopped above (a call started after that agent
            // died can meet such a connection, closed under it: the gateway then cannot know whether the call ran)
            FunctionCalls.publish(token, Map.of("name", IMAGE_FUNCTION, "runtime", "image", "memoryMiB", 64, "cpuMillis", 100,
                    "env", List.of(Map.of("name", "COLOR", "value", "blue", "secret", false))), cgiImage());
            FunctionCalls.deployAndAwaitActive(token, IMAGE_FUNCTION, 1);
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> answer = PlatformCalls.HTTP.send(HttpRequest.newBuilder(
                        URI.create(FUNCTIONS + "/fn/" + IMAGE_FUNCTION + "/cgi-bin/pong")).timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString("ping" + i)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
                assertThat(answer.headers().firstValue("X-Served-By")).contains("busybox httpd, color blue");
                assertThat(answer.body()).isEqualTo("pong ping" + i);
            }
        }
    }

    /** An OCI image archive: busybox's web server answering {@code pong <body>} from a CGI script with status 202. */
    static byte[] cgiImage() throws Exception {
        return ImageArchive.oci().gzip(true)
                .layer(new LayerTar().dir("bin").file("bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755))
                .layer(new LayerTar().dir("www").dir("www/cgi-bin").file("www/cgi-bin/pong", ("#!/bin/busybox sh\n"
                        + "printf 'Status: 202 Accepted\\r\\nContent-Type: text/plain\\r\\nX-Served-By: busybox httpd, color %s"
                        + "\\r\\n\\r\\npong ' \"$COLOR\"; /bin/busybox head -c \"$CONTENT_LENGTH\"\n")
                        .getBytes(StandardCharsets.UTF_8), 0755))
                .entrypoint("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www").bytes();
    }

    /** The launcher's part name of the agent of {@code provider}. */
    private String partOf(String provider) throws Exception {
        for (String key : List.of("provider", "provider-2", "provider-3")) {
            if (Platform.address(state, key).equalsIgnoreCase(provider)) {
                return key.equals("provider") ? "provider-agent" : "provider-agent-" + key.substring("provider-".length());
            }
        }
        throw new AssertionError("no local agent for " + provider);
    }

    /** Reads a server-sent-events stream that ends by itself (no follow). */
    private static String sse(String url, String token) throws Exception {
        HttpResponse<String> response = PlatformCalls.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /**
     * Callers keep a function whose calls take a second busy, four then six: its deployment (0–3 replicas, 2 calls in
     * flight each, starting with one) grows to two replicas, then three, on the three providers, whose agents all
     * answer; with the callers gone it goes down to no replica, one per idle time, the leases it gave up closed. Every call answers;
     * the first call after idle waits for a replica and answers (its time printed); the function is then deleted.
     */
    private void scalesWithTheLoadAndBackWithNoCallFailing(String token) throws Exception {
        Path dir = Files.createDirectories(work.resolve("slow"));
        Files.writeString(dir.resolve("handler.sh"), "#!/bin/sh\nsleep 1\nprintf 'slow:done'\n");
        Path bundle = work.resolve("slow.tar.gz");
        assertThat(new ProcessBuilder("tar", "-czf", bundle.toString(), "-C", dir.toString(), "handler.sh").inheritIO()
                .start().waitFor()).isZero();
        FunctionCalls.publish(token, Map.of("name", SCALED_FUNCTION, "runtime", "shell", "entrypoint", "handler.sh",
                "memoryMiB", 64, "cpuMillis", 100, "maxConcurrency", 20), Files.readAllBytes(bundle));
        String deployments = FUNCTIONS + "/api/v1/functions/" + SCALED_FUNCTION + "/deployments";
        JsonNode placed = call("POST", deployments, token, Map.of("maxPrices", FunctionCalls.MAX_PRICES,
                "constraints", Map.of("region", "local"),
                "scaling", Map.of("minReplicas", 0, "maxReplicas", 3, "targetConcurrency", 2)));
        String deployment = deployments + "/" + placed.get("id").asText();
        await("the scaled deployment active", Duration.ofSeconds(60), () -> call("GET", deployment, token, null),
                d -> "ACTIVE".equals(d.get("status").asText()) && d.get("placed").size() == 1);

        List<Call> load = new CopyOnWriteArrayList<>();
        AtomicBoolean loading = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        Runnable caller = () -> {
            while (loading.get()) {
                Instant started = Instant.now();
                try {
                    HttpResponse<String> r = FunctionCalls.invoke(SCALED_FUNCTION, "x");
                    load.add(new Call(started, Instant.now(), r.statusCode(),
                            r.headers().firstValue("Agora-Provider").orElse("").toLowerCase(), r.body()));
                } catch (Exception e) {
                    load.add(new Call(started, Instant.now(), -1, "", e.toString()));
                }
            }
        };
        // concurrency rises: four callers (twice the target on one replica), then six
        for (int c = 0; c < 4; c++) {
            callers.add(new Thread(caller, "load-" + c));
            callers.get(c).start();
        }
        await("two replicas", Duration.ofSeconds(90), () -> call("GET", deployment, token, null),
                d -> d.get("placed").size() == 2);
        for (int c = 4; c < 6; c++) {
            callers.add(new Thread(caller, "load-" + c));
            callers.get(c).start();
        }
        JsonNode grown = await("three replicas", Duration.ofSeconds(90), () -> call("GET", deployment, token, null),
                d -> d.get("placed").size() == 3);
        Set<String> providers = new HashSet<>();
        grown.get("placed").forEach(r -> providers.add(r.get("provider").asText().toLowerCase()));
        assertThat(providers).as("one replica per provider").hasSize(3);
        Instant grownAt = Instant.now();
        await("calls answered by each of the three providers", Duration.ofSeconds(60),
                () -> load.stream().filter(c -> c.started().isAfter(grownAt) && c.status() == 200).map(Call::provider)
                        .collect(java.util.stream.Collectors.toSet()).containsAll(providers));
        loading.set(false);
        for (Thread c : callers) {
            c.join(60_000);
        }
        assertThat(load).as("every call of the load answered").isNotEmpty()
                .allSatisfy(c -> assertThat(c.status() + " " + c.body()).isEqualTo("200 slow:done"));

        JsonNode shrunk = await("down to no replica", Duration.ofSeconds(120), () -> call("GET", deployment, token, null),
                d -> d.get("replicas").asInt() == 0 && d.get("placed").isEmpty());
        JsonNode decisions = shrunk.at("/scaling/decisions");
        assertThat(decisions.get(0).get("toReplicas").asInt()).isZero();
        assertThat(decisions.get(decisions.size() - 1).get("fromReplicas").asInt()).isEqualTo(1);
        int most = 0;
        for (JsonNode decision : decisions) {
            most = Math.max(most, decision.get("toReplicas").asInt());
            assertThat(decision.get("reason").asText()).isNotBlank();
        }
        assertThat(most).isEqualTo(3);
        List<String> steps = new ArrayList<>();
        for (int i = decisions.size() - 1; i >= 0; i--) {
            steps.add(decisions.get(i).get("fromReplicas").asInt() + "→" + decisions.get(i).get("toReplicas").asInt());
        }
        assertThat(steps).as("up as the callers rose, then down one idle time at a step")
                .containsExactly("1→2", "2→3", "3→2", "2→1", "1→0");

        // the first call after idle waits while a replica is bid for, leased and started, and answers
        long started = System.nanoTime();
        HttpResponse<String> first = FunctionCalls.invoke(SCALED_FUNCTION, "x");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("slow:done");
        System.out.println("FunctionsSystemIT: the first call after idle answered in " + tookMillis
                + " ms (bid, lease, the agent's lease, a cold start and the function's own 1 s)");
        JsonNode woken = call("GET", deployment, token, null);
        assertThat(woken.at("/scaling/decisions/0/reason").asText()).isEqualTo("a call arrived with no replica");
        assertThat(woken.get("placed")).hasSize(1);
        call("DELETE", FUNCTIONS + "/api/v1/functions/" + SCALED_FUNCTION, token, null);
    }

}
