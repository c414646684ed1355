package cloud.agora.agent.runtime.kubernetes;

import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.protocol.invocation.InvocationOutcome;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The check the {@code kubernetes} driver runs before it starts: that a function Pod cannot hold more
 * than {@link KubernetesSettings#maxPodPids()} processes. The Pod spec has no pids limit; the only
 * bound is the kubelet's node-wide {@code podPidsLimit} (KubeletConfiguration, or the flag
 * {@code --pod-max-pids}; default none), and without it a function can fork until the node has no
 * process ids left.
 *
 * <p>It runs a {@linkplain FunctionPods#pidsProbe probe Pod} in the namespace, waits at most
 * {@link KubernetesSettings#pidsCheckTimeout()} for it to end, reads its {@linkplain PidsProbe output}
 * from its log and deletes it, whatever happened. A Pod whose counting stopped on a failed fork is
 * bounded: the driver starts and logs the limit. A Pod that held one process more than the maximum is
 * not: the driver refuses to start, naming the kubelet setting, unless
 * {@link KubernetesSettings#allowUnboundedPids()} is set (then it warns and starts). A probe that
 * cannot run (creation refused, image not pulled, unschedulable, timed out, failed, killed) is a
 * refusal with the Pod's phase, reason and message.
 */
public final class PidsLimitCheck {

    private static final Logger LOG = Logger.getLogger(PidsLimitCheck.class);
    /** The most bytes of the probe's log read: its output is five short lines. */
    static final int OUTPUT_BYTES = 4096;
    static final String REFUSAL = "the kubernetes driver does not start: ";

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final FunctionPods pods;
    private final PodLogs logs;

    public PidsLimitCheck(KubernetesClient client, KubernetesSettings settings, PodLogs logs) {
        this.client = client;
        this.settings = settings;
        this.pods = new FunctionPods(settings);
        this.logs = logs;
    }

    /**
     * What the probe found.
     *
     * @param bounded  whether a Pod cannot hold more than the maximum
     * @param evidence what shows it: the limit as found (the container's {@code pids.max}, or the processes its container
     *                 held when a fork failed, or held without a failure) and both {@code pids.max} files
     */
    public record Finding(boolean bounded, String evidence) {
    }

    /**
     * Runs the probe and judges its output.
     *
     * @return the finding: bounded, or unbounded with {@link KubernetesSettings#allowUnboundedPids()} set
     * @throws RuntimeFailureException when the driver must not start: Pods unbounded without the opt-out, or the probe
     *                                 could not run to its end
     */
    public Finding run() {
        String name = FunctionPods.pidsProbeName();
        try {
            create(name);
            awaitSuccess(name);
            Finding finding = judge(output(name), settings.maxPodPids());
            report(finding);
            return finding;
        } finally {
            delete(name);
        }
    }

    /**
     * Judges the probe's output against the maximum.
     *
     * @throws RuntimeFailureException when the counting was killed before it completed or hit a limit (nothing can be said)
     */
    static Finding judge(PidsProbe.Output output, int maxPodPids) {
        if (output.counterKilled()) {
            throw new RuntimeFailureException(REFUSAL + "the pids probe's counting was killed (exit status "
                    + output.counterExit() + ") when its container held " + output.processesHeld() + " processes, before it hit "
                    + "a limit or reached " + (maxPodPids + 1) + " (" + output.pidsMaxFound() + ")");
        }
        if (output.counterCompleted()) {
            return new Finding(false, "a Pod's container held " + output.processesHeld() + " processes without hitting a limit ("
                    + output.pidsMaxFound() + ")");
        }
        OptionalLong own = output.containerPidsMax();
        String limit = own.isPresent() && own.getAsLong() <= maxPodPids
                ? "at most " + own.getAsLong() + " processes (the container's own limit; " + output.pidsMaxFound() + ")"
                : "at most about " + output.processesHeld() + " processes (a fork failed when the probe's container held "
                        + output.processesHeld() + "; the bound is on the Pod's cgroup, the container's own " + output.pidsMaxFound()
                        + ")";
        return new Finding(true, limit);
    }

    private void report(Finding finding) {
        if (finding.bounded()) {
            LOG.infof("function Pods in namespace %s hold %s; agent.kubernetes.max-pod-pids=%d", settings.namespace(),
                    finding.evidence(), settings.maxPodPids());
            return;
        }
        String unbounded = "function Pods in namespace " + settings.namespace() + " are not bounded to "
                + settings.maxPodPids() + " processes (agent.kubernetes.max-pod-pids): " + finding.evidence()
                + ". Set podPidsLimit in the KubeletConfiguration of every node (or the kubelet flag --pod-max-pids) to at most "
                + settings.maxPodPids();
        if (!settings.allowUnboundedPids()) {
            throw new RuntimeFailureException(REFUSAL + unbounded + ", or agent.kubernetes.allow-unbounded-pids=true to run "
                    + "functions that can fork until the node has no process ids left");
        }
        LOG.warnf("UNBOUNDED PROCESSES: %s. Starting anyway because agent.kubernetes.allow-unbounded-pids=true: a function "
                + "can fork until the node has no process ids left", unbounded);
    }

    private void create(String name) {
        try {
            client.pods().inNamespace(settings.namespace()).resource(pods.pidsProbe(name)).create();
        } catch (KubernetesClientException e) {
            throw new RuntimeFailureException(REFUSAL + "the API server refused the pids probe Pod " + name + " in namespace "
                    + settings.namespace() + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the probe to end with exit status 0; anything else is a refusal with what the Pod's status says. */
    private void awaitSuccess(String name) {
        Pod pod;
        try {
            pod = client.pods().inNamespace(settings.namespace()).withName(name).waitUntilCondition(
                    p -> p == null || PodEnding.of(p).isPresent() || PodEnding.platformFailure(p).isPresent(),
                    settings.pidsCheckTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new RuntimeFailureException(REFUSAL + "the pids probe Pod " + name + " did not end within "
                    + settings.pidsCheckTimeout() + " (agent.kubernetes.pids-check-timeout): " + status(current(name)), e);
        } catch (KubernetesClientException e) {
            throw new RuntimeFailureException(REFUSAL + "cannot follow the pids probe Pod " + name + ": " + e.getMessage(), e);
        }
        if (pod == null) {
            throw new RuntimeFailureException(REFUSAL + "the pids probe Pod " + name + " was deleted before it ended");
        }
        String failure = PodEnding.platformFailure(pod).orElse(null);
        if (failure != null) {
            throw new RuntimeFailureException(REFUSAL + "the pids probe Pod " + name + " cannot run (" + failure + "): "
                    + status(pod));
        }
        PodEnding ending = PodEnding.of(pod).orElseThrow();
        if (ending.outcome() != InvocationOutcome.OK) {
            throw new RuntimeFailureException(REFUSAL + "the pids probe Pod " + name + " ended " + ending.outcome()
                    + " (exit code " + ending.exitCode() + "): " + status(pod));
        }
    }

    private PidsProbe.Output output(String name) {
        String log;
        try {
            log = new String(logs.read(settings.namespace(), name, FunctionPods.CONTAINER, OUTPUT_BYTES), StandardCharsets.UTF_8);
        } catch (RuntimeFailureException e) {
            throw new RuntimeFailureException(REFUSAL + "cannot read the output of the pids probe Pod " + name + ": "
                    + e.getMessage(), e);
        }
        return PidsProbe.Output.parse(log).orElseThrow(() -> new RuntimeFailureException(REFUSAL + "the pids probe Pod " + name
                + " did not print what the probe prints (does the image have /bin/sh and sleep?): " + log.strip()));
    }

    private Pod current(String name) {
        try {
            return client.pods().inNamespace(settings.namespace()).withName(name).get();
        } catch (KubernetesClientException e) {
            LOG.debugf("cannot read the pids probe Pod %s: %s", name, e.getMessage());
            return null;
        }
    }

    private void delete(String name) {
        try {
            client.pods().inNamespace(settings.namespace()).withName(name).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot delete the pids probe Pod %s (the driver's cleanup removes it): %s", name, e.getMessage());
        }
    }

    /**
     * A Pod's status in a sentence: phase, reason and message; each container's state; the conditions
     * that are not true (an unschedulable Pod says why there).
     */
    static String status(Pod pod) {
        if (pod == null) {
            return "the Pod is gone";
        }
        PodStatus status = pod.getStatus();
        if (status == null) {
            return "no status (not scheduled)";
        }
        List<String> parts = new ArrayList<>();
        parts.add("phase " + status.getPhase() + ", reason " + status.getReason() + ", message " + status.getMessage());
        if (status.getContainerStatuses() != null) {
            for (ContainerStatus container : status.getContainerStatuses()) {
                parts.add("container " + container.getName() + " " + state(container.getState()));
            }
        }
        if (status.getConditions() != null) {
            for (PodCondition condition : status.getConditions()) {
                if (!"True".equals(condition.getStatus())) {
                    parts.add("condition " + condition.getType() + "=" + condition.getStatus() + " (" + condition.getReason() + ": "
                            + condition.getMessage() + ")");
                }
            }
        }
        return String.join("; ", parts);
    }

    private static String state(ContainerState state) {
        if (state == null) {
            return "without state";
        }
        if (state.getWaiting() != null) {
            return "waiting, " + state.getWaiting().getReason() + ": " + state.getWaiting().getMessage();
        }
        if (state.getTerminated() != null) {
            return "terminated, exit code " + state.getTerminated().getExitCode() + ", reason " + state.getTerminated().getReason()
                    + ", message " + state.getTerminated().getMessage();
        }
        return "running";
    }
}
