package cloud.agora.agent.runtime.kubernetes;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.LeaseUids;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Workload;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The Kubernetes objects of one call: a ConfigMap holding the function's bundle and the request
 * body, and the Pod that runs the function under the restricted Pod Security profile with the
 * lease's CPU and memory as requests and limits. Also the namespace's deny-all NetworkPolicy, and
 * the pids probe Pod the driver runs at its start ({@link PidsLimitCheck}) under the same security context.
 *
 * <p>Both the bundle and the body come from the agent in the ConfigMap: the agent has already
 * verified the bundle against its CID, the Pod never sees unverified bytes, and the Pod needs no
 * network at all (an init container fetching the bundle would need egress to the storage gateway,
 * which the deny-all policy forbids). The cost is the API server's object size limit:
 * bundle + body at most {@link #MAX_PAYLOAD_BYTES}.
 */
public final class FunctionPods {

    /** Label: the lease a Pod or ConfigMap serves. */
    public static final String LEASE_LABEL = "agora.cloud/lease";
    /** Label: the invocation a Pod or ConfigMap runs. */
    public static final String INVOCATION_LABEL = "agora.cloud/invocation";
    /** Label every object of this driver carries. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    /** Its value. */
    public static final String MANAGED_BY = "agora-agent";
    /** The NetworkPolicy that isolates every function Pod of the namespace. */
    public static final String NETWORK_POLICY = "agora-functions-deny-all";
    /** The function's container. */
    public static final String CONTAINER = "function";
    /** ConfigMaps are limited to 1 MiB by the API server; leave room for metadata and base64 is not counted twice. */
    public static final int MAX_PAYLOAD_BYTES = 1_000_000;
    /** The termination message holds at most 4096 bytes: the tail of stderr goes there. */
    public static final int STDERR_TAIL_BYTES = 4096;

    /** Label of the pids probe Pod ({@link #pidsProbe}); its value is {@link #PIDS_PROBE}. */
    public static final String PROBE_LABEL = "agora.cloud/probe";
    /** Its value. */
    public static final String PIDS_PROBE = "pids";
    /** The uid of the pids probe: just below the lease uids, so no lease shares its process count. */
    public static final int PROBE_UID = LeaseUids.FIRST - 1;
    /** CPU of the pids probe Pod (thousandths of a core). */
    public static final int PROBE_CPU_MILLIS = 250;

    static final String BODY_KEY = "body";
    static final String REQUEST_DIR = "/agora/request";

    /**
     * The entrypoint wrapper: the body file on stdin (a Pod has no stdin to write to), stdout to the
     * log, stderr to a file whose tail becomes the termination message, the function's exit status.
     */
    static final String WRAPPER = "\"$@\" <" + REQUEST_DIR + "/" + BODY_KEY + " 2>/tmp/.agora-stderr; rc=$?; "
            + "tail -c " + STDERR_TAIL_BYTES + " /tmp/.agora-stderr >/dev/termination-log 2>/dev/null; exit $rc";

    private final KubernetesSettings settings;

    public FunctionPods(KubernetesSettings settings) {
        this.settings = settings;
    }

    /** The name of a call's Pod and ConfigMap. */
    public static String name(UUID invocationId) {
        return "agora-" + invocationId;
    }

    /** The labels of a call's objects. */
    public static Map<String, String> labels(UUID leaseId, UUID invocationId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LEASE_LABEL, leaseId.toString());
        labels.put(INVOCATION_LABEL, invocationId.toString());
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        return labels;
    }

    /** Deny every ingress and egress of this driver's Pods (needs a CNI that enforces NetworkPolicy). */
    public NetworkPolicy denyAll() {
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(NETWORK_POLICY).withNamespace(settings.namespace())
                .addToLabels(MANAGED_BY_LABEL, MANAGED_BY).endMetadata()
                .withNewSpec()
                .withNewPodSelector().addToMatchLabels(MANAGED_BY_LABEL, MANAGED_BY).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .endSpec()
                .build();
    }

    /** A bundle as ConfigMap items: file key ({@code f<n>}) → path under {@code /function}. */
    record BundleFiles(Map<String, String> base64ByKey, List<KeyToPath> items, long bytes) {
    }

    /**
     * Reads a bundle directory (regular files only; empty directories are not carried).
     *
     * @throws RuntimeFailureException when it cannot be read
     */
    static BundleFiles bundleFiles(Path bundleDir) {
        Map<String, String> data = new LinkedHashMap<>();
        List<KeyToPath> items = new ArrayList<>();
        long bytes = 0;
        TreeMap<String, Path> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(bundleDir)) {
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> files.put(bundleDir.relativize(p).toString().replace('\\', '/'), p));
            int n = 0;
            for (Map.Entry<String, Path> file : files.entrySet()) {
                byte[] content = Files.readAllBytes(file.getValue());
                bytes += content.length;
                String key = "f" + n++;
                data.put(key, Base64.getEncoder().encodeToString(content));
                items.add(new KeyToPath(key, null, file.getKey()));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new RuntimeFailureException("cannot read the bundle " + bundleDir, e);
        }
        return new BundleFiles(data, items, bytes);
    }

    /**
     * The objects of one call, created in this order: the ConfigMap first (the Pod mounts it).
     *
     * @param payload every bundle file and the body, immutable
     * @param pod     the Pod that runs the function
     */
    public record CallObjects(ConfigMap payload, Pod pod) {
    }

    /**
     * The ConfigMap and the Pod of one call, the Pod running as {@code uid} (its lease's own).
     *
     * @throws RuntimeFailureException when the bundle cannot be read, bundle and body exceed
     *                                 {@link #MAX_PAYLOAD_BYTES}, or no image is configured for the runtime
     */
    public CallObjects forCall(Workload workload, FunctionSpec function, InvocationRequest request, int uid) {
        BundleFiles bundle = bundleFiles(function.bundleDir());
        return new CallObjects(payload(workload, bundle, request), pod(workload, function, bundle.items(), request, uid));
    }

    private ConfigMap payload(Workload workload, BundleFiles bundle, InvocationRequest request) {
        long bytes = bundle.bytes() + request.body().length;
        if (bytes > MAX_PAYLOAD_BYTES) {
            throw new RuntimeFailureException("bundle and body are " + bytes + " bytes; the kubernetes driver carries at most "
                    + MAX_PAYLOAD_BYTES + " in a ConfigMap");
        }
        return new ConfigMapBuilder()
                .withNewMetadata().withName(name(request.invocationId())).withNamespace(settings.namespace())
                .withLabels(labels(workload.leaseId(), request.invocationId())).endMetadata()
                .withImmutable(true)
                .addToBinaryData(bundle.base64ByKey())
                .addToBinaryData(BODY_KEY, Base64.getEncoder().encodeToString(request.body()))
                .build();
    }

    private Pod pod(Workload workload, FunctionSpec function, List<KeyToPath> bundleItems, InvocationRequest request,
            int uid) {
        String image = settings.images().get(function.runtime());
        if (image == null) {
            throw new RuntimeFailureException("no image for runtime '" + function.runtime() + "' (agent.kubernetes.images."
                    + function.runtime() + ")");
        }
        Limits limits = workload.limits();
        String name = name(request.invocationId());
        Map<String, Quantity> resources = Map.of(
                "cpu", new Quantity(limits.cpuMillis() + "m"),
                "memory", new Quantity(limits.memoryMiB() + "Mi"));
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER, "agora-function"));
        command.addAll(function.command());
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("HOME", "/tmp", null));
        request.environment().forEach((k, v) -> env.add(new EnvVar(k, v, null)));
        env.add(new EnvVar("AGORA_INVOCATION_ID", request.invocationId().toString(), null));
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(settings.namespace())
                .withLabels(labels(workload.leaseId(), request.invocationId())).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withActiveDeadlineSeconds(deadlineSeconds(limits))
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(1L)
                .withSecurityContext(podSecurity(uid))
                .addNewContainer()
                .withName(CONTAINER).withImage(image).withImagePullPolicy("IfNotPresent")
                .withCommand(command)
                .withEnv(env)
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withSecurityContext(containerSecurity(uid))
                .withTerminationMessagePolicy("File")
                .addNewVolumeMount().withName("bundle").withMountPath("/function").withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("request").withMountPath(REQUEST_DIR).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("bundle")
                .withNewConfigMap().withName(name).withItems(bundleItems).withDefaultMode(0555).endConfigMap().endVolume()
                .addNewVolume().withName("request")
                .withNewConfigMap().withName(name).addNewItem().withKey(BODY_KEY).withPath(BODY_KEY).endItem()
                .withDefaultMode(0444).endConfigMap().endVolume()
                .addNewVolume().withName("tmp")
                .withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity(settings.tmpSizeMiB() + "Mi")).endEmptyDir()
                .endVolume()
                .endSpec()
                .build();
    }

    /**
     * The Pod that measures how many processes a Pod of this namespace may hold ({@link PidsProbe}), named
     * {@code name}: a function Pod's security context, restart policy, token and service-link settings and
     * deny-all network (the label the NetworkPolicy selects; no lease or invocation label, so reconciliation and
     * lease removal ignore it), run as {@link #PROBE_UID}, with the {@code shell} runtime's
     * image (or the first configured), {@link #PROBE_CPU_MILLIS} of CPU, {@link #probeMemoryMiB} of memory
     * and the check's timeout as its deadline. No volumes: it reads nothing but {@code /sys} and {@code /proc}.
     *
     * @throws RuntimeFailureException when no image is configured at all
     */
    public Pod pidsProbe(String name) {
        String image = settings.images().get("shell");
        if (image == null) {
            image = settings.runtimes().stream().findFirst().map(settings.images()::get)
                    .orElseThrow(() -> new RuntimeFailureException("no runtime image configured (agent.kubernetes.images.*)"));
        }
        Map<String, Quantity> resources = Map.of(
                "cpu", new Quantity(PROBE_CPU_MILLIS + "m"),
                "memory", new Quantity(probeMemoryMiB(settings.maxPodPids()) + "Mi"));
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(settings.namespace())
                .addToLabels(MANAGED_BY_LABEL, MANAGED_BY).addToLabels(PROBE_LABEL, PIDS_PROBE).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withActiveDeadlineSeconds(Math.max(1, (settings.pidsCheckTimeout().toMillis() + 999) / 1000))
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(1L)
                .withSecurityContext(podSecurity(PROBE_UID))
                .addNewContainer()
                .withName(CONTAINER).withImage(image).withImagePullPolicy("IfNotPresent")
                .withCommand("/bin/sh", "-c", PidsProbe.script(settings.maxPodPids()))
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withSecurityContext(containerSecurity(PROBE_UID))
                .withTerminationMessagePolicy("File")
                .endContainer()
                .endSpec()
                .build();
    }

    /** A unique name for a pids probe Pod. */
    public static String pidsProbeName() {
        return "agora-pids-probe-" + UUID.randomUUID();
    }

    /**
     * Memory of the pids probe: 32 MiB and 256 KiB per process it may start (a {@code sleep} under busybox
     * {@code sh} costs about 135 KiB with its kernel memory, under {@code dash} and coreutils about 205 KiB),
     * so that it runs out of process ids before it runs out of memory.
     */
    static long probeMemoryMiB(int maxPodPids) {
        return 32 + (maxPodPids + 3L) / 4;
    }

    /** The Pod-level security context of every Pod of this driver: non-root {@code uid}, RuntimeDefault seccomp. */
    private static PodSecurityContext podSecurity(int uid) {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true).withRunAsUser((long) uid).withRunAsGroup((long) uid)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /**
     * The container security context of every Pod of this driver: non-root {@code uid}, no privilege
     * escalation, no capabilities, read-only root filesystem, RuntimeDefault seccomp.
     */
    private static SecurityContext containerSecurity(int uid) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true).withRunAsUser((long) uid).withRunAsGroup((long) uid)
                .withAllowPrivilegeEscalation(false).withPrivileged(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /** Kubernetes deadlines are whole seconds: the call's timeout rounded up. */
    static long deadlineSeconds(Limits limits) {
        return Math.max(1, (limits.timeout().toMillis() + 999) / 1000);
    }
}
