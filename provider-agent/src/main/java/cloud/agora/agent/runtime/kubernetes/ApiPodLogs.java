package cloud.agora.agent.runtime.kubernetes;

import cloud.agora.agent.runtime.RuntimeFailureException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;

/** {@link PodLogs} through the API server's {@code pods/log} subresource ({@code limitBytes} caps what is sent). */
public final class ApiPodLogs implements PodLogs {

    private final KubernetesClient client;

    public ApiPodLogs(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public byte[] read(String namespace, String pod, String container, int maxBytes) {
        try (InputStream in = client.pods().inNamespace(namespace).withName(pod).inContainer(container).limitBytes(maxBytes)
                .getLogInputStream()) {
            return in.readNBytes(maxBytes);
        } catch (IOException | KubernetesClientException e) {
            throw new RuntimeFailureException("cannot read the log of pod " + pod + ": " + e.getMessage(), e);
        }
    }
}
