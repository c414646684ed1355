package cloud.agora.agent.runtime.kubernetes;

import cloud.agora.agent.runtime.LeaseUids;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Usage;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The {@code kubernetes} driver: every call runs in a fresh Pod of its own in the agent's
 * namespace (no warm pool: a Pod's start costs seconds of scheduling and kubelet work either
 * way, and a reused Pod could not be metered per call). The Pod is built by {@link FunctionPods}
 * (restricted security profile, requests = limits = the lease's CPU and memory, bundle read-only
 * at {@code /function}, body on stdin from a file, deadline = the call's timeout), watched until
 * the kubelet reports its end ({@link PodEnding}), its stdout read from its log ({@link PodLogs}),
 * then the Pod and its ConfigMap are deleted. It starts ({@link #start}) only where a Pod cannot hold
 * more than the configured number of processes ({@link PidsLimitCheck}).
 *
 * <p>Metering: there is no cgroup the agent can read here. Wall time is the container's start to
 * finish as the kubelet reports it (whole seconds, so at least one second is counted); CPU and
 * memory are what the lease reserved for that time: {@code cpuNanos = cpuMillis × wall},
 * {@code peakMemory = the memory limit}. A Pod's objects carry the lease and invocation labels,
 * which is how leases present are listed and a lease's Pods removed.
 */
public final class KubernetesRuntime implements WorkloadRuntime {

    private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);
    private static final long MIB = 1024L * 1024;

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final FunctionPods pods;
    private final LeaseUids uids = new LeaseUids();
    private final PodLogs logs;
    private volatile boolean isolated;
    private volatile PidsLimitCheck.Finding pidsLimit;

    /**
     * Creates the driver and removes the Pods an earlier run of the agent left in the namespace (their
     * results had nobody to return to; reconciliation re-adopts the active leases). Does not check the
     * pids limit: {@link #start} does.
     */
    KubernetesRuntime(KubernetesClient client, KubernetesSettings settings, PodLogs logs) {
        this.client = client;
        this.settings = settings;
        this.pods = new FunctionPods(settings);
        this.logs = logs;
        try {
            deleteAll();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot remove pods left in namespace %s: %s", settings.namespace(), e.getMessage());
        }
    }

    /**
     * Starts the driver as the agent does: removes what an earlier run left, creates the namespace's
     * deny-all NetworkPolicy (the probe Pod runs under it too), then checks that a function Pod cannot
     * hold more than {@link KubernetesSettings#maxPodPids()} processes ({@link PidsLimitCheck}).
     *
     * @throws RuntimeFailureException when the driver must not start: the NetworkPolicy cannot be created, Pods are not
     *                                 bounded in processes (without {@link KubernetesSettings#allowUnboundedPids()}), or
     *                                 the pids probe could not run
     */
    public static KubernetesRuntime start(KubernetesClient client, KubernetesSettings settings, PodLogs logs) {
        KubernetesRuntime runtime = new KubernetesRuntime(client, settings, logs);
        runtime.ensureIsolation();
        runtime.pidsLimit = new PidsLimitCheck(client, settings, logs).run();
        return runtime;
    }

    /** What the pids check found when the driver started, or empty when it was created without {@link #start}. */
    public Optional<PidsLimitCheck.Finding> pidsLimit() {
        return Optional.ofNullable(pidsLimit);
    }

    @Override
    public String driver() {
        return "kubernetes";
    }

    /** The runtimes this driver offers: those with a configured image. */
    public List<String> runtimes() {
        return settings.runtimes();
    }

    /** Ensures the namespace's deny-all NetworkPolicy exists; Pods are started only after it does. */
    @Override
    public void prepare(Workload workload) {
        ensureIsolation();
    }

    @Override
    public InvocationResult invoke(Workload workload, FunctionSpec function, InvocationRequest request) {
        if (function.mode() != FunctionSpec.Mode.EXEC) {
            // a Pod per call suits exec mode; a kept server Pod and its port are not built for this driver yet
            throw new RuntimeFailureException("the kubernetes driver runs exec-mode functions only, not "
                    + function.mode().name().toLowerCase(java.util.Locale.ROOT) + " mode");
        }
        ensureIsolation();
        FunctionPods.CallObjects objects = pods.forCall(workload, function, request, uids.of(workload.leaseId()));
        String name = FunctionPods.name(request.invocationId());
        try {
            client.configMaps().inNamespace(settings.namespace()).resource(objects.payload()).create();
            client.pods().inNamespace(settings.namespace()).resource(objects.pod()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                deleteCall(name);
            }
            throw new RuntimeFailureException("cannot create pod " + name + ": " + e.getMessage(), e);
        }
        try {
            PodEnding ending = awaitEnding(name, workload.limits());
            byte[] stdout = ending.startedAt() == null ? new byte[0] : output(name, ending);
            // the termination message keeps only the tail: a full one means there was more
            boolean stderrTruncated = ending.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    >= FunctionPods.STDERR_TAIL_BYTES;
            return new InvocationResult(ending.outcome(), ending.exitCode(), stdout, ending.stderr(), stderrTruncated,
                    usage(workload.limits(), ending, request.body().length, stdout.length), false);
        } finally {
            deleteCall(name);
        }
    }

    /** Waits for the kubelet to report the end, at most the timeout plus the start allowance. */
    private PodEnding awaitEnding(String name, Limits limits) {
        long waitMillis = limits.timeout().toMillis() + settings.startAllowance().toMillis();
        Pod pod;
        try {
            pod = client.pods().inNamespace(settings.namespace()).withName(name).waitUntilCondition(
                    p -> p == null || PodEnding.of(p).isPresent() || PodEnding.platformFailure(p).isPresent(),
                    waitMillis, TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            pod = client.pods().inNamespace(settings.namespace()).withName(name).get();
            if (pod != null && PodEnding.started(pod)) {
                // the deadline counts from the Pod's start; the kubelet has not enforced it yet: the agent does
                LOG.warnf("pod %s still running %d ms after its deadline: stopped by the agent", name, waitMillis);
                Instant started = PodEnding.runningSince(pod).orElseGet(Instant::now);
                return new PodEnding(InvocationOutcome.TIMEOUT, -1, "", started, started.plus(limits.timeout()));
            }
            throw new RuntimeFailureException("pod " + name + " did not start within " + settings.startAllowance(), e);
        } catch (KubernetesClientException e) {
            throw new RuntimeFailureException("cannot follow pod " + name + ": " + e.getMessage(), e);
        }
        if (pod == null) {
            throw new RuntimeFailureException("pod " + name + " was removed before it ended");
        }
        String failure = PodEnding.platformFailure(pod).orElse(null);
        if (failure != null) {
            throw new RuntimeFailureException("pod " + name + " cannot run: " + failure);
        }
        return PodEnding.of(pod).orElseThrow();
    }

    /** The function's stdout. Without it an OK call has no response (a platform failure); other endings keep their outcome. */
    private byte[] output(String name, PodEnding ending) {
        try {
            return logs.read(settings.namespace(), name, FunctionPods.CONTAINER, settings.maxOutputBytes());
        } catch (RuntimeFailureException e) {
            if (ending.outcome() == InvocationOutcome.OK) {
                throw e;
            }
            LOG.warnf("no output of pod %s (%s): %s", name, ending.outcome(), e.getMessage());
            return new byte[0];
        }
    }

    /**
     * The metering rule of this driver (no cgroup to read): wall from the kubelet's timestamps (a
     * call without them counts its whole timeout), CPU and memory as reserved for that wall time.
     */
    static Usage usage(Limits limits, PodEnding ending, long bytesIn, long bytesOut) {
        Instant started = ending.startedAt() == null ? Instant.EPOCH : ending.startedAt();
        Instant finished = ending.finishedAt() != null ? ending.finishedAt() : started.plus(limits.timeout());
        long wallMillis = Math.max(0, Duration.between(started, finished).toMillis());
        if (started.getNano() == 0 && finished.getNano() == 0) {
            // the kubelet reports whole seconds: a call that started and ended within one counts as one
            wallMillis = Math.max(1000, wallMillis);
        }
        long cpuNanos = limits.cpuMillis() * wallMillis * 1000L;
        long peakMemoryBytes = limits.memoryMiB() * MIB;
        return new Usage(cpuNanos, peakMemoryBytes, wallMillis, bytesIn, bytesOut, started, started.plusMillis(wallMillis));
    }

    @Override
    public void remove(UUID leaseId) {
        try {
            client.pods().inNamespace(settings.namespace()).withLabel(FunctionPods.LEASE_LABEL, leaseId.toString())
                    .withGracePeriod(0).delete();
            client.configMaps().inNamespace(settings.namespace()).withLabel(FunctionPods.LEASE_LABEL, leaseId.toString())
                    .delete();
        } catch (KubernetesClientException e) {
            throw new RuntimeFailureException("cannot remove the pods of lease " + leaseId + ": " + e.getMessage(), e);
        }
        uids.release(leaseId);
    }

    @Override
    public Set<UUID> leasesPresent() {
        Set<UUID> leases = new HashSet<>();
        try {
            List<HasMetadata> objects = new java.util.ArrayList<>();
            objects.addAll(client.pods().inNamespace(settings.namespace())
                    .withLabel(FunctionPods.MANAGED_BY_LABEL, FunctionPods.MANAGED_BY).list().getItems());
            objects.addAll(client.configMaps().inNamespace(settings.namespace())
                    .withLabel(FunctionPods.MANAGED_BY_LABEL, FunctionPods.MANAGED_BY).list().getItems());
            for (HasMetadata object : objects) {
                String lease = object.getMetadata().getLabels().get(FunctionPods.LEASE_LABEL);
                if (lease != null) {
                    try {
                        leases.add(UUID.fromString(lease));
                    } catch (IllegalArgumentException e) {
                        LOG.warnf("%s %s has a malformed lease label '%s'", object.getKind(), object.getMetadata().getName(), lease);
                    }
                }
            }
        } catch (KubernetesClientException e) {
            throw new RuntimeFailureException("cannot list the pods of namespace " + settings.namespace(), e);
        }
        return leases;
    }

    /** Deletes every Pod and ConfigMap of this driver in the namespace (the NetworkPolicy stays). */
    @Override
    public void close() {
        try {
            deleteAll();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot remove the pods of namespace %s: %s", settings.namespace(), e.getMessage());
        }
    }

    private void ensureIsolation() {
        if (isolated) {
            return;
        }
        try {
            client.network().v1().networkPolicies().inNamespace(settings.namespace()).resource(pods.denyAll())
                    .createOr(NonDeletingOperation::update);
            isolated = true;
        } catch (KubernetesClientException e) {
            throw new RuntimeFailureException("cannot create the network policy " + FunctionPods.NETWORK_POLICY + " in namespace "
                    + settings.namespace() + ": no function runs without it", e);
        }
    }

    private void deleteAll() {
        client.pods().inNamespace(settings.namespace()).withLabel(FunctionPods.MANAGED_BY_LABEL, FunctionPods.MANAGED_BY)
                .withGracePeriod(0).delete();
        client.configMaps().inNamespace(settings.namespace()).withLabel(FunctionPods.MANAGED_BY_LABEL, FunctionPods.MANAGED_BY)
                .delete();
    }

    /** Deletes a call's Pod and ConfigMap; logs instead of failing (the lease's removal or reconciliation retries). */
    private void deleteCall(String name) {
        try {
            client.pods().inNamespace(settings.namespace()).withName(name).withGracePeriod(0).delete();
            client.configMaps().inNamespace(settings.namespace()).withName(name).delete();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot delete pod %s: %s", name, e.getMessage());
        }
    }
}
