package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code jvm} runtime with the real runc: the agent's read-only JVM image runs a Java function. */
class JvmRuntimeTest {

    /**
     * Where the JVM runtime's tests keep its image: shared by the test classes and runs (built once, then reused as an
     * agent's restart would), not under a per-test directory.
     */
    static final Path RUNTIMES = Path.of("target/test-runtimes").toAbsolutePath();

    static final String MAIN = """
            import java.io.*;
            import java.nio.charset.StandardCharsets;
            public class Main {
                public static void main(String[] args) throws Exception {
                    String in = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                    System.err.println("jvm max heap " + Runtime.getRuntime().maxMemory());
                    try {
                        new FileOutputStream("/function/written").close();
                        System.out.print("WROTE-FUNCTION ");
                    } catch (IOException e) {
                        System.out.print("read-only ");
                    }
                    System.out.print("hello " + in + " from java " + System.getProperty("java.version") + " as "
                            + System.getProperty("user.name") + " path " + System.getenv("AGORA_PATH"));
                }
            }
            """;

    @TempDir
    Path data;
    Path bundle;
    RuncRuntime runtime;

    @BeforeEach
    void start() throws IOException {
        runtime = withJvmImage(data);
        bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("Main.java"), MAIN);
    }

    /** A runc runtime under {@code data} with the shared JVM image ({@link #RUNTIMES}), a cgroup parent of its own and 2 warm containers. */
    static RuncRuntime withJvmImage(Path data) {
        return new RuncRuntime(RuncSettings.under(data, "agora-test-" + UUID.randomUUID().toString().substring(0, 8))
                .withRuntimesDir(RUNTIMES).withWarmPool(2, Duration.ofMinutes(1)), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }

    FunctionSpec java() {
        return new FunctionSpec("jvm", bundle, List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-XX:-UsePerfData", "/function/Main.java"));
    }

    Workload workload() {
        return new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(256, 1000, 128, Duration.ofSeconds(60)));
    }

    @Test
    void runsASingleFileJavaProgramFromTheReadOnlyJvmImage() {
        assertThat(runtime.runtimes()).contains("jvm");
        Workload w = workload();
        for (int i = 0; i < 2; i++) {
            InvocationResult result = runtime.invoke(w, java(), new InvocationRequest(UUID.randomUUID(),
                    ("call" + i).getBytes(StandardCharsets.UTF_8), Map.of("AGORA_PATH", "/j")));
            assertThat(result.outcome()).as(result.stderr()).isEqualTo(InvocationOutcome.OK);
            assertThat(new String(result.stdout(), StandardCharsets.UTF_8))
                    .isEqualTo("read-only hello call" + i + " from java " + System.getProperty("java.version") + " as function path /j");
            assertThat(result.warm()).isEqualTo(i == 1);
            long maxHeap = Long.parseLong(result.stderr().replaceAll("(?s).*jvm max heap (\\d+).*", "$1"));
            assertThat(maxHeap).as("the JVM sizes its heap from the container's limit").isLessThanOrEqualTo(256L << 20);
            assertThat(result.usage().peakMemoryBytes()).isLessThanOrEqualTo(256L << 20).isGreaterThan(16L << 20);
        }
        assertThat(Files.exists(bundle.resolve("written"))).isFalse();
    }

    @Test
    void aJavaFunctionOverItsMemoryLimitIsStopped() throws IOException {
        Files.writeString(bundle.resolve("Main.java"), """
                import java.util.*;
                public class Main {
                    public static void main(String[] args) {
                        List<byte[]> hog = new ArrayList<>();
                        while (true) { hog.add(new byte[1 << 20]); }
                    }
                }
                """);
        InvocationResult result = runtime.invokeCold(workload(), new FunctionSpec("jvm", bundle, List.of("java",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xmx1g", "/function/Main.java")),
                InvocationRequest.of(""));
        assertThat(result.outcome()).isIn(InvocationOutcome.OUT_OF_MEMORY);
        assertThat(result.usage().peakMemoryBytes()).isLessThanOrEqualTo(256L << 20);
    }
}
