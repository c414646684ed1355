package cloud.agora.agent.runtime.kubernetes;

import cloud.agora.agent.runtime.RuntimeFailureException;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Plays the kubelet for the pids probe Pods of one namespace on the CRUD mock API server (which runs
 * nothing): it waits for the next probe Pod the driver creates, writes the status it is given and, as
 * the {@link PodLogs} of the driver, returns the output it was given as that Pod's log.
 */
public final class ProbeKubelet implements PodLogs {

    /** What the probe prints where a Pod's container may hold 512 processes (cgroup v2, containerd-style pids.max). */
    public static final String BOUNDED_V2 = output("512", "absent", false, 2, 512);

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> outputByPod = new ConcurrentHashMap<>();
    private final Set<String> answered = ConcurrentHashMap.newKeySet();
    private final List<String> logsRead = new CopyOnWriteArrayList<>();

    public ProbeKubelet(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** The probe's output as {@link PidsProbe#script} prints it. */
    public static String output(String cgroup2PidsMax, String cgroup1PidsMax, boolean counterCompleted, int counterExit,
            int processesHeld) {
        return "cgroup2.pids.max=" + cgroup2PidsMax + "\n"
                + "cgroup1.pids.max=" + cgroup1PidsMax + "\n"
                + (counterCompleted ? "pids.counter=completed\n" : "sh: can't fork: Resource temporarily unavailable\n")
                + "pids.counter.exit=" + counterExit + "\n"
                + "pids.held=" + processesHeld + "\n";
    }

    /** Ends the next probe Pod with exit status 0, {@code output} as its log. */
    public CompletableFuture<Pod> completes(String output) {
        return ends(output, status -> status.withPhase("Succeeded").withContainerStatuses(new ContainerStatusBuilder()
                .withName(FunctionPods.CONTAINER).withState(new ContainerStateBuilder().withNewTerminated().withExitCode(0)
                        .withReason("Completed").withStartedAt("2026-11-21T10:00:00Z").withFinishedAt("2026-11-21T10:00:01Z")
                        .endTerminated().build())
                .build()));
    }

    /** Writes {@code status} on the next probe Pod, {@code output} as its log (null: no log). */
    public CompletableFuture<Pod> ends(String output, UnaryOperator<PodStatusBuilder> status) {
        return CompletableFuture.supplyAsync(() -> {
            Pod pod = next();
            answered.add(pod.getMetadata().getName());
            if (output != null) {
                outputByPod.put(pod.getMetadata().getName(), output);
            }
            pod.setStatus(status.apply(new PodStatusBuilder()).build());
            client.pods().inNamespace(namespace).resource(pod).updateStatus();
            return pod;
        });
    }

    /** Waits for a probe Pod this kubelet has not answered yet. */
    private Pod next() {
        try {
            return client.pods().inNamespace(namespace).withLabel(FunctionPods.PROBE_LABEL, FunctionPods.PIDS_PROBE)
                    .informOnCondition(pods -> pods.stream().anyMatch(p -> !answered.contains(p.getMetadata().getName())))
                    .get(10, TimeUnit.SECONDS).stream().filter(p -> !answered.contains(p.getMetadata().getName()))
                    .findFirst().orElseThrow();
        } catch (Exception e) {
            throw new IllegalStateException("no probe Pod was created in " + namespace, e);
        }
    }

    @Override
    public byte[] read(String ns, String pod, String container, int maxBytes) {
        logsRead.add(ns + "/" + pod + "/" + container);
        String output = outputByPod.get(pod);
        if (output == null) {
            throw new RuntimeFailureException("no log for " + pod);
        }
        return output.getBytes(StandardCharsets.UTF_8);
    }

    /** The logs read: {@code namespace/pod/container}. */
    public List<String> logsRead() {
        return logsRead;
    }

    /** The probe Pods present in the namespace. */
    public List<Pod> probesPresent() {
        return client.pods().inNamespace(namespace).withLabel(FunctionPods.PROBE_LABEL, FunctionPods.PIDS_PROBE).list().getItems();
    }
}
