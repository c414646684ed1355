package cloud.agora.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.kubernetes.KubernetesRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code agent.driver=kubernetes} builds the kubernetes driver from {@code agent.kubernetes.*} (mock API server). */
@EnableKubernetesMockClient(crud = true)
class KubernetesDriverTest {

    KubernetesClient client;

    static AgentConfig.KubernetesConfig config(Optional<String> namespace, Optional<String> jvmImage) {
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
        };
    }

    @Test
    void offersTheRuntimesThatHaveAnImage() {
        KubernetesRuntime shellOnly = KubernetesDriver.runtime(config(Optional.of("fns"), Optional.empty()), client);
        KubernetesRuntime both = KubernetesDriver.runtime(config(Optional.of("fns"), Optional.of("registry.example/jvm:17")),
                client);

        assertThat(shellOnly.driver()).isEqualTo("kubernetes");
        assertThat(shellOnly.runtimes()).containsExactly("shell");
        assertThat(both.runtimes()).containsExactly("jvm", "shell");
    }
}
