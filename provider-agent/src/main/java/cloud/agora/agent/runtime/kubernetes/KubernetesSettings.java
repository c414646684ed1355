package cloud.agora.agent.runtime.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the {@code kubernetes} driver.
 *
 * @param namespace          the namespace every function Pod, ConfigMap and the NetworkPolicy live in
 * @param images             runtime name ({@code shell}, {@code jvm}) → container image; each image needs {@code /bin/sh} and
 *                           {@code tail} (the entrypoint wrapper uses them), the {@code shell} one also {@code sleep} (the
 *                           pids probe uses it)
 * @param startAllowance     how long a Pod may take to be scheduled, pull its image and start, on top of the call's timeout,
 *                           before the agent gives up on it
 * @param maxOutputBytes     most bytes of the function's stdout (its Pod log) returned
 * @param tmpSizeMiB         size of the memory-backed {@code /tmp} (counted in the memory limit, as on runc)
 * @param maxPodPids         the most processes a function Pod may hold: the driver does not start where the cluster lets a
 *                           Pod hold more ({@link PidsLimitCheck})
 * @param allowUnboundedPids start anyway, with a warning, where Pods may hold more than {@code maxPodPids} processes
 * @param pidsCheckTimeout   how long the pids probe Pod may take, image pull included, before the driver refuses to start
 */
public record KubernetesSettings(String namespace, Map<String, String> images, Duration startAllowance, int maxOutputBytes,
        int tmpSizeMiB, int maxPodPids, boolean allowUnboundedPids, Duration pidsCheckTimeout) {

    /** The fewest processes {@code maxPodPids} may allow: the wrapper shell, the function and a few children. */
    public static final int MIN_POD_PIDS = 8;

    public KubernetesSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(startAllowance, "startAllowance");
        Objects.requireNonNull(pidsCheckTimeout, "pidsCheckTimeout");
        images = Map.copyOf(images);
        if (namespace.isBlank() || maxOutputBytes < 1 || tmpSizeMiB < 1) {
            throw new IllegalArgumentException("the kubernetes driver needs a namespace, an output limit and a /tmp size");
        }
        if (maxPodPids < MIN_POD_PIDS) {
            throw new IllegalArgumentException("agent.kubernetes.max-pod-pids is " + maxPodPids + "; a function Pod needs at least "
                    + MIN_POD_PIDS);
        }
        if (pidsCheckTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("agent.kubernetes.pids-check-timeout is " + pidsCheckTimeout + "; at least 1s");
        }
    }

    /**
     * The defaults of everything but the namespace and images: 60 s to start, 6 MiB of output, 64 MiB {@code /tmp}, at most
     * 1024 processes per Pod (unbounded Pods refused), 120 s for the pids probe.
     */
    public static KubernetesSettings of(String namespace, Map<String, String> images) {
        return new KubernetesSettings(namespace, images, Duration.ofSeconds(60), 6 * 1024 * 1024, 64, 1024, false,
                Duration.ofSeconds(120));
    }

    /** These settings with the pids check's maximum, opt-out and timeout replaced. */
    public KubernetesSettings withPidsCheck(int maxPodPids, boolean allowUnboundedPids, Duration pidsCheckTimeout) {
        return new KubernetesSettings(namespace, images, startAllowance, maxOutputBytes, tmpSizeMiB, maxPodPids, allowUnboundedPids,
                pidsCheckTimeout);
    }

    /** The runtimes this driver can offer (those with an image), sorted. */
    public List<String> runtimes() {
        return images.keySet().stream().sorted().toList();
    }
}
