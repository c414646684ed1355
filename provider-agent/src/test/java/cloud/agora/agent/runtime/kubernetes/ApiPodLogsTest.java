package cloud.agora.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.runtime.RuntimeFailureException;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiPodLogs} against the mock API server: the CRUD mock keeps objects but has no kubelet
 * behind {@code pods/log}, so the log response is an expectation of the mock (what the API server
 * would proxy); this checks the request the driver sends (container, byte limit) and what it returns.
 */
@EnableKubernetesMockClient(crud = true)
class ApiPodLogsTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void readsTheFunctionContainersLogWithAByteLimit() {
        client.pods().inNamespace("ns").resource(new PodBuilder().withNewMetadata().withName("agora-1").endMetadata()
                .withNewSpec().addNewContainer().withName("function").withImage("busybox").endContainer().endSpec()
                .withNewStatus().withPhase("Succeeded").endStatus().build()).create();
        server.expect().get().withPath("/api/v1/namespaces/ns/pods/agora-1/log?pretty=false&container=function&limitBytes=16")
                .andReturn(200, "hello world\n").once();

        byte[] log = new ApiPodLogs(client).read("ns", "agora-1", "function", 16);

        assertThat(new String(log, StandardCharsets.UTF_8)).isEqualTo("hello world\n");
    }

    @Test
    void aLogThatCannotBeReadIsAPlatformFailure() {
        server.expect().get().withPath("/api/v1/namespaces/ns/pods/agora-missing/log?pretty=false&container=function&limitBytes=16")
                .andReturn(404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}")
                .once();

        assertThatThrownBy(() -> new ApiPodLogs(client).read("ns", "agora-missing", "function", 16))
                .isInstanceOf(RuntimeFailureException.class).hasMessageContaining("agora-missing");
    }
}
