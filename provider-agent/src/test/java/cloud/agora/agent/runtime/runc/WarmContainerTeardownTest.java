package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removing a warm container (real runc): closing its executor's input ends the container by itself — the executor is
 * pid 1 of its pid namespace, so whatever else runs there dies with it — and nothing of it is left: no process, no
 * runc state, no cgroup, no bundle. Before, every removal also ran {@code runc kill}.
 */
class WarmContainerTeardownTest {

    @TempDir
    Path data;
    RuncRuntime runtime;

    @BeforeEach
    void start() {
        runtime = new RuncRuntime(RuncSettings.under(data, "agora-test-" + UUID.randomUUID().toString().substring(0, 8))
                .withWarmPool(2, Duration.ofSeconds(60)), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    @Test
    void aDestroyedWarmContainerLeavesNoProcessRuncStateCgroupOrBundle() throws Exception {
        Path bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("handler.sh"), "printf 'hello '; cat\n");
        Workload w = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(64, 1000, 32, Duration.ofSeconds(10)));
        WarmContainer container = WarmContainer.start(runtime, w, FunctionSpec.shell(bundle, "handler.sh"));
        assertThat(container.invoke(w, InvocationRequest.of("x"), false).outcome()).isEqualTo(InvocationOutcome.OK);
        long executor = container.executorPid();
        assertThat(ProcessHandle.of(executor)).isPresent();
        assertThat(runtime.containers()).containsExactly(container.id);

        container.destroy();

        assertThat(ProcessHandle.of(executor).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(runtime.containers()).isEmpty();
        assertThat(runtime.cgroups().exists(container.cgroup)).isFalse();
        assertThat(data.resolve("containers").resolve(container.id)).doesNotExist();
    }
}
