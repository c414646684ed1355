package cloud.agora.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.kubernetes.KubernetesRuntime;
import cloud.agora.agent.runtime.kubernetes.ProbeKubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code agent.driver=kubernetes} builds and starts the kubernetes driver from {@code agent.kubernetes.*} (mock API
 * server; {@link ProbeKubelet} ends the pids probe Pod of each start).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesDriverTest {

    KubernetesClient client;

    static AgentConfig.KubernetesConfig config(Optional<String> namespace, Optional<String> jvmImage) {
        return config(namespace, jvmImage, 1024, false);
    }

    static AgentConfig.KubernetesConfig config(Optional<String> namespace, Optional<String> jvmImage, int maxPodPids,
            boolean allowUnboundedPids) {
        return new AgentConfig.KubernetesConfig() {
            @Override
            public Optional<String> namespace() {
                return namespace;
            }

            @Override
            public ImagesConfig images() {
                return new ImagesConfig() {
                    @Override
                    public String shell() {
                        return "registry.example/shell:1";
                    }

                    @Override
                    public Optional<String> jvm() {
                        return jvmImage;
                    }
                };
            }

            @Override
            public Duration startAllowance() {
                return Duration.ofSeconds(60);
            }

            @Override
            public int tmpSizeMiB() {
                return 64;
            }

            @Override
            public int maxPodPids() {
                return maxPodPids;
            }

            @Override
            public boolean allowUnboundedPids() {
                return allowUnboundedPids;
            }

            @Override
            public Duration pidsCheckTimeout() {
                return Duration.ofSeconds(10);
            }
        };
    }

    @Test
    void offersTheRuntimesThatHaveAnImage() {
        ProbeKubelet kubelet = new ProbeKubelet(client, "fns");
        kubelet.completes(ProbeKubelet.BOUNDED_V2);
        KubernetesRuntime shellOnly = KubernetesDriver.runtime(config(Optional.of("fns"), Optional.empty()), client, kubelet);
        kubelet.completes(ProbeKubelet.BOUNDED_V2);
        KubernetesRuntime both = KubernetesDriver.runtime(config(Optional.of("fns"), Optional.of("registry.example/jvm:17")),
                client, kubelet);

        assertThat(shellOnly.driver()).isEqualTo("kubernetes");
        assertThat(shellOnly.runtimes()).containsExactly("shell");
        assertThat(both.runtimes()).containsExactly("jvm", "shell");
    }

    @Test
    void theDriverChecksPodsAgainstTheConfiguredMaximumAndOptOut() {
        ProbeKubelet kubelet = new ProbeKubelet(client, "fns");
        // a Pod's container held 65 processes without hitting a limit: above a maximum of 64
        kubelet.completes(ProbeKubelet.output("max", "absent", true, 0, 65));

        assertThatThrownBy(() -> KubernetesDriver.runtime(config(Optional.of("fns"), Optional.empty(), 64, false), client, kubelet))
                .isInstanceOf(RuntimeFailureException.class).hasMessageContaining("not bounded to 64 processes")
                .hasMessageContaining("podPidsLimit");

        kubelet.completes(ProbeKubelet.output("max", "absent", true, 0, 65));
        KubernetesRuntime allowed = KubernetesDriver.runtime(config(Optional.of("fns"), Optional.empty(), 64, true), client, kubelet);

        assertThat(allowed.pidsLimit()).hasValueSatisfying(f -> assertThat(f.bounded()).isFalse());
        assertThat(kubelet.probesPresent()).isEmpty();
    }
}
