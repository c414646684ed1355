package cloud.agora.functions.integration;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.domain.invocation.InvocationFailedException;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.invocation.InvocationReply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpAgents} against a real HTTP server standing in for an agent: what the gateway does with one agent's
 * connection (a probe's or a refusal's) never fails another call to that agent.
 */
class HttpAgentsTest {

    private static final int CALLS = 300;

    private Vertx vertx;
    private HttpServer agent;
    private HttpAgents agents;
    private final AtomicInteger probes = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        agent = vertx.createHttpServer().requestHandler(request -> {
            if (request.path().equals("/q/health")) {
                probes.incrementAndGet();
                request.response().putHeader("Content-Type", "application/json").end("{\"status\":\"UP\"}");
                return;
            }
            request.body().onSuccess(body -> {
                try {
                    InvocationCall call = JsonCodec.mapper().readValue(body.getBytes(), InvocationCall.class);
                    String text = new String(call.body(), StandardCharsets.UTF_8);
                    if (text.startsWith("refuse")) {
                        request.response().setStatusCode(507).putHeader("Content-Type", "application/problem+json")
                                .end("{\"type\":\"urn:agora:problem:journal-full\",\"status\":507}");
                        return;
                    }
                    InvocationReply reply = new InvocationReply(call.invocationId(), InvocationOutcome.OK, 0,
                            ("echo:" + text).getBytes(StandardCharsets.UTF_8), "", false, true, null);
                    request.response().putHeader("Content-Type", "application/json")
                            .end(io.vertx.core.buffer.Buffer.buffer(JsonCodec.mapper().writeValueAsBytes(reply)));
                } catch (Exception e) {
                    request.response().setStatusCode(400).end();
                }
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        agents = new HttpAgents(vertx, Duration.ofSeconds(5), () -> 1024 * 1024);
    }

    @AfterEach
    void stop() throws Exception {
        agents.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private String endpoint() {
        return "http://127.0.0.1:" + agent.actualPort();
    }

    private String call(String text) throws InterruptedException {
        InvocationCall call = new InvocationCall(null, UUID.randomUUID(), UUID.randomUUID(), "shell", "cid", List.of(),
                "POST", "/", "", Map.of(), text.getBytes(StandardCharsets.UTF_8), 1000L, Map.of());
        try {
            InvocationReply reply = agents.invoke(endpoint(), Optional.empty(), call, Duration.ofSeconds(10))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS).reply();
            return new String(reply.body(), StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            return e.getCause() instanceof InvocationFailedException failed ? failed.slug() : e.getCause().toString();
        } catch (java.util.concurrent.TimeoutException e) {
            return "timed out";
        }
    }

    @Test
    void healthProbesNeverCloseAConnectionACallIsUsing() throws Exception {
        List<String> failed = callsAlongside(() -> assertThat(agents.healthy(endpoint(), Optional.empty(),
                Duration.ofSeconds(5))).isTrue());
        assertThat(probes.get()).as("probes ran alongside the calls").isGreaterThan(CALLS / 10);
        assertThat(failed).as("calls that did not get their answer").isEmpty();
    }

    @Test
    void aRefusalNeverClosesAConnectionAnotherCallIsUsing() throws Exception {
        AtomicInteger refusals = new AtomicInteger();
        List<String> wrongRefusals = new CopyOnWriteArrayList<>();
        List<String> failed = callsAlongside(() -> {
            String answer = call("refuse");
            refusals.incrementAndGet();
            if (!answer.equals("agent-refused")) {
                wrongRefusals.add(answer);
            }
        });
        assertThat(refusals.get()).as("refused calls ran alongside").isGreaterThan(CALLS / 10);
        assertThat(wrongRefusals).isEmpty();
        assertThat(failed).as("calls that did not get their answer").isEmpty();
    }

    /** Something done again and again on another thread. */
    interface Repeated {
        void once() throws Exception;
    }

    /** {@value #CALLS} calls one after the other while {@code alongside} runs on another thread; those answered wrong. */
    private List<String> callsAlongside(Repeated alongside) throws Exception {
        AtomicBoolean calling = new AtomicBoolean(true);
        List<Throwable> broken = new CopyOnWriteArrayList<>();
        Thread other = new Thread(() -> {
            while (calling.get()) {
                try {
                    alongside.once();
                } catch (Exception | AssertionError e) {
                    broken.add(e);
                    return;
                }
            }
        }, "alongside");
        other.start();
        List<String> failed = new ArrayList<>();
        try {
            for (int i = 0; i < CALLS; i++) {
                String answer = call("call-" + i);
                if (!answer.equals("echo:call-" + i)) {
                    failed.add(i + ": " + answer);
                }
            }
        } finally {
            calling.set(false);
            other.join(30_000);
        }
        assertThat(broken).as("what ran alongside").isEmpty();
        return failed;
    }
}
