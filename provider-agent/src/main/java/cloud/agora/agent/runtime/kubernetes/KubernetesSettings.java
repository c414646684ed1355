package cloud.agora.agent.runtime.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the {@code kubernetes} driver.
 *
 * @param namespace      the namespace every function Pod, ConfigMap and the NetworkPolicy live in
 * @param images         runtime name ({@code shell}, {@code jvm}) → container image; each image needs {@code /bin/sh} and
 *                       {@code tail} (the entrypoint wrapper uses them)
 * @param startAllowance how long a Pod may take to be scheduled, pull its image and start, on top of the call's timeout,
 *                       before the agent gives up on it
 * @param maxOutputBytes most bytes of the function's stdout (its Pod log) returned
 * @param tmpSizeMiB     size of the memory-backed {@code /tmp} (counted in the memory limit, as on runc)
 */
public record KubernetesSettings(String namespace, Map<String, String> images, Duration startAllowance, int maxOutputBytes,
        int tmpSizeMiB) {

    public KubernetesSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(startAllowance, "startAllowance");
        images = Map.copyOf(images);
        if (namespace.isBlank() || maxOutputBytes < 1 || tmpSizeMiB < 1) {
            throw new IllegalArgumentException("the kubernetes driver needs a namespace, an output limit and a /tmp size");
        }
    }

    /** The defaults of everything but the namespace and images: 60 s to start, 6 MiB of output, 64 MiB {@code /tmp}. */
    public static KubernetesSettings of(String namespace, Map<String, String> images) {
        return new KubernetesSettings(namespace, images, Duration.ofSeconds(60), 6 * 1024 * 1024, 64);
    }

    /** The runtimes this driver can offer (those with an image), sorted. */
    public List<String> runtimes() {
        return images.keySet().stream().sorted().toList();
    }
}
