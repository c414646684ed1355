package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP mode with the real runc: a long-running Java server (the JDK's {@code HttpServer}) in the agent's JVM image
 * answers calls forwarded as HTTP, one at a time, each metered from the container's cgroup before and after it.
 */
class HttpModeTest {

    /**
     * Answers {@code hello <body>} with status 201 and the request's method, path, query, one header and the
     * invocation id echoed in headers; {@code /burn?ms=N} first burns N ms of its own thread's CPU time (the kernel's
     * count for that thread), {@code /exit} ends the server without answering, {@code /sleep} never answers.
     */
    static final String SERVER = """
            import com.sun.net.httpserver.*;
            import java.lang.management.*;
            import java.net.*;
            import java.nio.charset.StandardCharsets;
            public class Server {
                public static void main(String[] args) throws Exception {
                    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1",
                            Integer.parseInt(System.getenv("PORT"))), 16);
                    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                    server.createContext("/", ex -> { try {
                        byte[] in = ex.getRequestBody().readAllBytes();
                        String path = ex.getRequestURI().getPath();
                        String query = ex.getRequestURI().getRawQuery();
                        if (path.equals("/exit")) { System.err.println("exiting on request"); System.exit(3); }
                        if (path.equals("/sleep")) { try { Thread.sleep(600_000); } catch (InterruptedException e) { } }
                        if (path.equals("/burn")) {
                            long until = threads.getCurrentThreadCpuTime() + Long.parseLong(query.substring(3)) * 1_000_000L;
                            long spins = 0;
                            while (threads.getCurrentThreadCpuTime() < until) { spins++; }
                            System.err.println("burnt " + query + " in " + spins + " spins");
                        }
                        byte[] out = ("hello " + new String(in, StandardCharsets.UTF_8) + " " + System.getenv("COLOR"))
                                .getBytes(StandardCharsets.UTF_8);
                        ex.getResponseHeaders().add("X-Seen", ex.getRequestMethod() + " " + path + " " + query + " "
                                + ex.getRequestHeaders().getFirst("X-Name"));
                        ex.getResponseHeaders().add("X-Invocation", ex.getRequestHeaders().getFirst("X-Agora-Invocation-Id"));
                        ex.getResponseHeaders().add("Set-Cookie", "a=1");
                        ex.getResponseHeaders().add("Set-Cookie", "b=2");
                        ex.sendResponseHeaders(201, out.length);
                        ex.getResponseBody().write(out);
                        ex.close();
                    } catch (Throwable t) { t.printStackTrace(); throw t; } });
                    server.start();
                    System.err.println("listening on " + System.getenv("PORT"));
                }
            }
            """;

    @TempDir
    Path data;
    Path bundle;
    RuncRuntime runtime;

    @BeforeEach
    void start() throws IOException {
        runtime = JvmRuntimeTest.withJvmImage(data);
        bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("Server.java"), SERVER);
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }

    FunctionSpec server() {
        return new FunctionSpec("jvm", bundle, List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1", "-XX:-UsePerfData", "/function/Server.java"), FunctionSpec.Mode.HTTP,
                Map.of("COLOR", "blue"));
    }

    static Workload workload(int cpuMillis) {
        return new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(256, cpuMillis, 128, Duration.ofSeconds(60)));
    }

    static InvocationRequest call(String path, String query, String body) {
        return new InvocationRequest(UUID.randomUUID(), body.getBytes(StandardCharsets.UTF_8), Map.of(),
                new InvocationRequest.HttpCall("POST", path, query, Map.of("X-Name", "ada", "Connection", "close")));
    }

    @Test
    void callsReachTheServerAsHttpAndItsStatusHeadersAndBodyComeBack() {
        Workload w = workload(1000);
        for (int i = 0; i < 3; i++) {
            InvocationRequest request = call("/greet", "a=1&b=%20", "call" + i);
            InvocationResult result = runtime.invoke(w, server(), request);
            assertThat(result.outcome()).as(result.stderr()).isEqualTo(InvocationOutcome.OK);
            assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("hello call" + i + " blue");
            assertThat(result.httpStatus()).isEqualTo(201);
            assertThat(result.headers().get("x-seen")).containsExactly("POST /greet a=1&b=%20 ada");
            assertThat(result.headers().get("x-invocation")).containsExactly(request.invocationId().toString());
            assertThat(result.headers().get("set-cookie")).containsExactly("a=1", "b=2");
            assertThat(result.warm()).isEqualTo(i > 0);
            if (i == 0) {
                assertThat(result.stderr()).as("the cold call gets the server's start-up output").contains("listening on 8080");
                assertThat(result.usage().cpuNanos()).as("the cold call pays for the JVM's start")
                        .isGreaterThan(100_000_000L);
            } else {
                assertThat(result.stderr()).doesNotContain("listening");
            }
            assertThat(result.usage().bytesOut()).isEqualTo(result.stdout().length);
        }
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).as("one call at a time: one warm container served all three").hasSize(1);
    }

    @Test
    void aKnownCpuBurnIsMeteredWithinFivePercentAndTheNextCallIsNotChargedForIt() {
        Workload w = workload(1000);
        assertThat(runtime.invoke(w, server(), call("/burn", "ms=50", "warm-up")).outcome()).isEqualTo(InvocationOutcome.OK);
        InvocationResult burn = runtime.invoke(w, server(), call("/burn", "ms=1000", "burn"));
        assertThat(burn.outcome()).as(burn.stderr()).isEqualTo(InvocationOutcome.OK);
        assertThat(burn.warm()).isTrue();
        assertThat(burn.stderr()).contains("burnt ms=1000");
        assertThat((double) burn.usage().cpuNanos()).as("metered CPU of a 1,000 ms burn")
                .isCloseTo(1_000_000_000d, within(50_000_000d));
        InvocationResult next = runtime.invoke(w, server(), call("/hello", "", "next"));
        assertThat(next.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(next.warm()).isTrue();
        assertThat(next.usage().cpuNanos()).as("the next call in the same container pays only for itself")
                .isLessThan(100_000_000L);
    }

    @Test
    void aServerThatDiesMidCallIsAFunctionErrorAndItsContainerIsNotReused() {
        Workload w = workload(1000);
        assertThat(runtime.invoke(w, server(), call("/hello", "", "a")).outcome()).isEqualTo(InvocationOutcome.OK);
        InvocationResult died = runtime.invoke(w, server(), call("/exit", "", "b"));
        assertThat(died.outcome()).isEqualTo(InvocationOutcome.FUNCTION_ERROR);
        assertThat(died.stderr()).contains("exiting on request");
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
        InvocationResult again = runtime.invoke(w, server(), call("/hello", "", "c"));
        assertThat(again.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(again.warm()).isFalse();
    }

    @Test
    void aCallOverItsTimeoutEndsTheContainer() {
        Workload w = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(256, 1000, 128, Duration.ofSeconds(60)));
        assertThat(runtime.invoke(w, server(), call("/hello", "", "a")).outcome()).isEqualTo(InvocationOutcome.OK);
        Workload short_ = new Workload(w.leaseId(), w.consumer(), new Limits(256, 1000, 128, Duration.ofMillis(700)));
        InvocationResult slept = runtime.invoke(short_, server(), call("/sleep", "", "b"));
        assertThat(slept.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(slept.usage().wallMillis()).isGreaterThanOrEqualTo(700);
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }
}
