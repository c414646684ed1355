package cloud.agora.agent.config;

import cloud.agora.agent.runtime.kubernetes.ApiPodLogs;
import cloud.agora.agent.runtime.kubernetes.KubernetesRuntime;
import cloud.agora.agent.runtime.kubernetes.KubernetesSettings;
import cloud.agora.agent.runtime.kubernetes.PodLogs;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the {@code kubernetes} driver from {@code agent.kubernetes.*} and the Quarkus Kubernetes client. */
final class KubernetesDriver {

    private KubernetesDriver() {
    }

    /**
     * The started driver ({@link KubernetesRuntime#start}).
     *
     * @throws cloud.agora.agent.runtime.RuntimeFailureException when it refuses to start
     */
    static KubernetesRuntime runtime(AgentConfig.KubernetesConfig config, KubernetesClient client) {
        return runtime(config, client, new ApiPodLogs(client));
    }

    static KubernetesRuntime runtime(AgentConfig.KubernetesConfig config, KubernetesClient client, PodLogs logs) {
        String namespace = config.namespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
        Map<String, String> images = new LinkedHashMap<>();
        images.put("shell", config.images().shell());
        config.images().jvm().ifPresent(image -> images.put("jvm", image));
        KubernetesSettings defaults = KubernetesSettings.of(namespace, images);
        KubernetesSettings settings = new KubernetesSettings(namespace, images, config.startAllowance(), defaults.maxOutputBytes(),
                config.tmpSizeMiB(), config.maxPodPids(), config.allowUnboundedPids(), config.pidsCheckTimeout());
        return KubernetesRuntime.start(client, settings, logs);
    }
}
