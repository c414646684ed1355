package cloud.agora.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes driver against the fabric8 mock API server in CRUD mode (no cluster can run here).
 * Nothing runs the Pods, so each test plays the kubelet: it waits for the Pod the driver created,
 * checks its spec, then writes the status a kubelet would (terminated with an exit code, OOMKilled,
 * DeadlineExceeded, an image pull error) and checks what the driver makes of it. The CRUD mock does
 * not serve Pod logs, so stdout comes from a {@link PodLogs} the test scripts (what the kubelet
 * would have logged); {@link ApiPodLogsTest} checks the real one against the mock's expectations.
 * The driver is created without its start's pids check, which {@link PidsLimitCheckTest} covers.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRuntimeTest {

    static final String NS = "agora-functions";
    static final Address CONSUMER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    KubernetesClient client;

    @TempDir
    Path bundle;

    final Map<String, String> logsByPod = new ConcurrentHashMap<>();
    final List<String> logsRead = new java.util.concurrent.CopyOnWriteArrayList<>();
    KubernetesRuntime runtime;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(bundle.resolve("handler.sh"), "echo \"hello $(cat)\"\n");
        Files.createDirectories(bundle.resolve("lib"));
        Files.writeString(bundle.resolve("lib/util.sh"), "greet() { echo hi; }\n");
        PodLogs logs = (namespace, pod, container, maxBytes) -> {
            logsRead.add(namespace + "/" + pod + "/" + container);
            String log = logsByPod.get(pod);
            if (log == null) {
                throw new RuntimeFailureException("no log for " + pod);
            }
            return log.getBytes(StandardCharsets.UTF_8);
        };
        runtime = new KubernetesRuntime(client,
                new KubernetesSettings(NS, Map.of("shell", "busybox:1.36.1"), Duration.ofSeconds(5), 1024 * 1024, 64, 1024, false,
                        Duration.ofSeconds(120)), logs);
    }

    @AfterEach
    void stop() {
        runtime.close();
        client.network().v1().networkPolicies().inNamespace(NS).delete();
    }

    static Workload workload(UUID lease, int memoryMiB, int cpuMillis, Duration timeout) {
        return new Workload(lease, CONSUMER, new Limits(memoryMiB, cpuMillis, 64, timeout));
    }

    FunctionSpec function() {
        return FunctionSpec.shell(bundle, "handler.sh");
    }

    /** Plays the kubelet for one Pod: waits for it, hands it to {@code inspect}, then writes the status {@code end} gives. */
    CompletableFuture<Pod> kubelet(UUID invocation, Consumer<Pod> inspect, UnaryOperator<PodStatusBuilder> end) {
        String name = FunctionPods.name(invocation);
        return CompletableFuture.supplyAsync(() -> {
            Pod pod = client.pods().inNamespace(NS).withName(name).waitUntilCondition(Objects::nonNull, 10, TimeUnit.SECONDS);
            inspect.accept(pod);
            pod.setStatus(end.apply(new PodStatusBuilder().withStartTime(T0.toString())).build());
            client.pods().inNamespace(NS).resource(pod).updateStatus();
            return pod;
        });
    }

    static UnaryOperator<PodStatusBuilder> terminated(String phase, int exitCode, String reason, String message, Duration ran) {
        return status -> status.withPhase(phase).withContainerStatuses(new ContainerStatusBuilder()
                .withName(FunctionPods.CONTAINER).withImage("busybox:1.36.1").withReady(false).withRestartCount(0)
                .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(reason)
                        .withMessage(message).withStartedAt(T0.toString()).withFinishedAt(T0.plus(ran).toString())
                        .endTerminated().build())
                .build());
    }

    InvocationRequest request(String body, Map<String, String> env) {
        return new InvocationRequest(UUID.randomUUID(), body.getBytes(StandardCharsets.UTF_8), env);
    }

    void assertNothingLeftOf(UUID invocation) {
        String name = FunctionPods.name(invocation);
        assertThat(client.pods().inNamespace(NS).withName(name).get()).as("pod after the call").isNull();
        assertThat(client.configMaps().inNamespace(NS).withName(name).get()).as("configmap after the call").isNull();
    }

    @Test
    void runsACallInARestrictedPodWithTheLeasesLimitsAndReturnsItsOutput() throws Exception {
        UUID lease = UUID.randomUUID();
        InvocationRequest request = request("world", Map.of("AGORA_METHOD", "POST", "HTTP_X_TRACE", "abc"));
        String name = FunctionPods.name(request.invocationId());
        logsByPod.put(name, "hello world\n");
        ConfigMap[] payload = new ConfigMap[1];
        CompletableFuture<Pod> kubelet = kubelet(request.invocationId(), pod -> {
            payload[0] = client.configMaps().inNamespace(NS).withName(name).get();
        }, terminated("Succeeded", 0, "Completed", "a warning\n", Duration.ofSeconds(2)));

        InvocationResult result = runtime.invoke(workload(lease, 256, 500, Duration.ofSeconds(10)), function(), request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(result.exitCode()).isZero();
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("hello world\n");
        assertThat(result.stderr()).isEqualTo("a warning\n");
        assertThat(result.warm()).isFalse();
        assertThat(logsRead).containsExactly(NS + "/" + name + "/function");
        // metering: wall from the kubelet's timestamps, CPU and memory as reserved for it
        assertThat(result.usage().wallMillis()).isEqualTo(2000);
        assertThat(result.usage().cpuNanos()).isEqualTo(1_000_000_000L); // 0.5 core × 2 s
        assertThat(result.usage().peakMemoryBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(result.usage().bytesIn()).isEqualTo(5);
        assertThat(result.usage().bytesOut()).isEqualTo(12);
        assertThat(result.usage().startedAt()).isEqualTo(T0);

        Pod pod = kubelet.get(5, TimeUnit.SECONDS);
        assertThat(pod.getMetadata().getLabels()).containsEntry("agora.cloud/lease", lease.toString())
                .containsEntry("agora.cloud/invocation", request.invocationId().toString())
                .containsEntry("app.kubernetes.io/managed-by", "agora-agent");
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(10L);
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getEnableServiceLinks()).isFalse();
        assertThat(pod.getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        // the lease's own uid: the first lease of this agent gets its slot by its id's hash
        long uid = cloud.agora.agent.runtime.LeaseUids.FIRST + Math.floorMod(lease.hashCode(), cloud.agora.agent.runtime.LeaseUids.COUNT);
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(uid);
        assertThat(pod.getSpec().getSecurityContext().getRunAsGroup()).isEqualTo(uid);
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSpec().getContainers()).hasSize(1);
        assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();

        Container c = pod.getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("busybox:1.36.1");
        assertThat(c.getResources().getLimits()).isEqualTo(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")));
        assertThat(c.getResources().getRequests()).isEqualTo(c.getResources().getLimits());
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getRunAsUser()).isEqualTo(uid);
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(c.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        // the function's command after the wrapper that feeds the body on stdin
        assertThat(c.getCommand()).startsWith("/bin/sh", "-c").endsWith("/bin/sh", "/function/handler.sh");
        assertThat(c.getCommand().get(2)).contains("</agora/request/body").contains("/dev/termination-log");
        assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("AGORA_METHOD=POST"))
                .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("HTTP_X_TRACE=abc"))
                .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue())
                        .isEqualTo("AGORA_INVOCATION_ID=" + request.invocationId()));

        Map<String, VolumeMount> mounts = new java.util.HashMap<>();
        c.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m));
        assertThat(mounts.keySet()).containsExactlyInAnyOrder("/function", "/agora/request", "/tmp");
        assertThat(mounts.get("/function").getReadOnly()).isTrue();
        assertThat(mounts.get("/agora/request").getReadOnly()).isTrue();
        assertThat(mounts.get("/tmp").getReadOnly()).isNotEqualTo(Boolean.TRUE);
        Map<String, Volume> volumes = new java.util.HashMap<>();
        pod.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
        Volume tmp = volumes.get(mounts.get("/tmp").getName());
        assertThat(tmp.getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(tmp.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("64Mi"));
        Volume function = volumes.get(mounts.get("/function").getName());
        assertThat(function.getConfigMap().getName()).isEqualTo(name);
        assertThat(volumes).allSatisfy((n, v) -> assertThat(v.getHostPath()).as("no host path").isNull());

        // the bundle's files and the body travel in the call's ConfigMap, at their paths under /function
        Map<String, String> fileByPath = new java.util.HashMap<>();
        function.getConfigMap().getItems().forEach(i -> fileByPath.put(i.getPath(),
                new String(Base64.getDecoder().decode(payload[0].getBinaryData().get(i.getKey())), StandardCharsets.UTF_8)));
        assertThat(fileByPath).isEqualTo(Map.of("handler.sh", "echo \"hello $(cat)\"\n", "lib/util.sh", "greet() { echo hi; }\n"));
        assertThat(new String(Base64.getDecoder().decode(payload[0].getBinaryData().get("body")), StandardCharsets.UTF_8))
                .isEqualTo("world");
        assertThat(payload[0].getImmutable()).isTrue();
        assertThat(payload[0].getMetadata().getLabels()).containsEntry("agora.cloud/lease", lease.toString());

        // network: one deny-all policy for every pod of the driver
        NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(NS).withName(FunctionPods.NETWORK_POLICY).get();
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(Map.of("app.kubernetes.io/managed-by", "agora-agent"));
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
        assertThat(policy.getSpec().getEgress()).isNullOrEmpty();

        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void aNonZeroExitIsAFunctionErrorWithItsStderr() throws Exception {
        InvocationRequest request = request("", Map.of());
        logsByPod.put(FunctionPods.name(request.invocationId()), "partial\n");
        kubelet(request.invocationId(), pod -> { }, terminated("Failed", 3, "Error", "bad input\n", Duration.ofSeconds(1)));

        InvocationResult result = runtime.invoke(workload(UUID.randomUUID(), 128, 250, Duration.ofSeconds(10)), function(), request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.FUNCTION_ERROR);
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stderr()).isEqualTo("bad input\n");
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("partial\n");
        assertThat(result.usage().wallMillis()).isEqualTo(1000);
        assertThat(result.usage().cpuNanos()).isEqualTo(250_000_000L);
        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void aSubSecondCallCountsOneSecondBecauseTheKubeletReportsWholeSeconds() throws Exception {
        InvocationRequest request = request("", Map.of());
        logsByPod.put(FunctionPods.name(request.invocationId()), "");
        kubelet(request.invocationId(), pod -> { }, terminated("Succeeded", 0, "Completed", null, Duration.ZERO));

        InvocationResult result = runtime.invoke(workload(UUID.randomUUID(), 128, 1000, Duration.ofSeconds(10)), function(), request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(result.usage().wallMillis()).isEqualTo(1000);
        assertThat(result.usage().cpuNanos()).isEqualTo(1_000_000_000L);
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void anOomKilledContainerIsOutOfMemory() throws Exception {
        InvocationRequest request = request("", Map.of());
        kubelet(request.invocationId(), pod -> { }, terminated("Failed", 137, "OOMKilled", null, Duration.ofSeconds(3)));

        InvocationResult result = runtime.invoke(workload(UUID.randomUUID(), 64, 100, Duration.ofSeconds(10)), function(), request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.OUT_OF_MEMORY);
        assertThat(result.exitCode()).isEqualTo(137);
        assertThat(result.stdout()).isEmpty(); // no log could be read: the outcome stands
        assertThat(result.usage().wallMillis()).isEqualTo(3000);
        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void aPodPastItsDeadlineIsATimeout() throws Exception {
        InvocationRequest request = request("", Map.of());
        logsByPod.put(FunctionPods.name(request.invocationId()), "started\n");
        Workload workload = workload(UUID.randomUUID(), 64, 100, Duration.ofMillis(2500));
        kubelet(request.invocationId(), pod -> assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(3L),
                status -> status.withPhase("Failed").withReason("DeadlineExceeded")
                        .withMessage("Pod was active on the node longer than the specified deadline")
                        .withContainerStatuses(new ContainerStatusBuilder().withName(FunctionPods.CONTAINER)
                                .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(T0.toString()).endRunning()
                                        .build())
                                .build()));

        InvocationResult result = runtime.invoke(workload, function(), request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(result.exitCode()).isEqualTo(-1);
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("started\n");
        assertThat(result.usage().wallMillis()).isEqualTo(2500); // the whole timeout is counted
        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void aPodStillRunningAfterTimeoutAndAllowanceIsStoppedByTheAgentAsATimeout() {
        InvocationRequest request = request("", Map.of());
        // the kubelet reports the container running and never enforces the deadline
        kubelet(request.invocationId(), pod -> { }, status -> status.withPhase("Running")
                .withContainerStatuses(new ContainerStatusBuilder().withName(FunctionPods.CONTAINER)
                        .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(T0.toString()).endRunning().build())
                        .build()));

        InvocationResult result = runtime.invoke(workload(UUID.randomUUID(), 64, 100, Duration.ofSeconds(1)), function(), request);

        assertThat(result.outcome()).isEqualTo(InvocationOutcome.TIMEOUT);
        assertThat(result.usage().startedAt()).isEqualTo(T0);
        assertThat(result.usage().wallMillis()).isEqualTo(1000);
        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void anImageThatCannotBePulledIsAPlatformFailureAndLeavesNothing() {
        InvocationRequest request = request("", Map.of());
        kubelet(request.invocationId(), pod -> { }, status -> status.withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName(FunctionPods.CONTAINER)
                        .withState(new ContainerStateBuilder().withNewWaiting().withReason("ImagePullBackOff")
                                .withMessage("Back-off pulling image").endWaiting().build())
                        .build()));

        assertThatThrownBy(() -> runtime.invoke(workload(UUID.randomUUID(), 64, 100, Duration.ofSeconds(10)), function(), request))
                .isInstanceOf(RuntimeFailureException.class).hasMessageContaining("ImagePullBackOff");
        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void aPodThatNeverStartsIsAPlatformFailureAfterTheStartAllowance() {
        InvocationRequest request = request("", Map.of());
        long before = System.nanoTime();

        // nobody plays the kubelet: the Pod stays without status (unschedulable)
        assertThatThrownBy(() -> runtime.invoke(workload(UUID.randomUUID(), 64, 100, Duration.ofSeconds(1)), function(), request))
                .isInstanceOf(RuntimeFailureException.class).hasMessageContaining("did not start");
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofSeconds(6));
        assertNothingLeftOf(request.invocationId());
    }

    @Test
    void aRuntimeWithoutAnImageIsRefusedBeforeAnythingIsCreated() {
        InvocationRequest request = request("", Map.of());
        FunctionSpec jvm = new FunctionSpec("jvm", bundle, List.of("java", "-jar", "/function/app.jar"));

        assertThatThrownBy(() -> runtime.invoke(workload(UUID.randomUUID(), 64, 100, Duration.ofSeconds(1)), jvm, request))
                .isInstanceOf(RuntimeFailureException.class).hasMessageContaining("agent.kubernetes.images.jvm");
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void aBundleTooLargeForAConfigMapIsRefusedBeforeAnythingIsCreated() throws Exception {
        Files.write(bundle.resolve("big.bin"), new byte[FunctionPods.MAX_PAYLOAD_BYTES]);

        assertThatThrownBy(() -> runtime.invoke(workload(UUID.randomUUID(), 64, 100, Duration.ofSeconds(1)), function(),
                request("x", Map.of()))).isInstanceOf(RuntimeFailureException.class).hasMessageContaining("ConfigMap");
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
    }

    /** Creates the objects of a call as the driver does, without waiting for it (a call in flight). */
    void callInFlight(UUID lease) {
        FunctionPods.CallObjects objects = new FunctionPods(KubernetesSettings.of(NS, Map.of("shell", "busybox:1.36.1")))
                .forCall(workload(lease, 64, 100, Duration.ofSeconds(30)), function(), request("", Map.of()), cloud.agora.agent.runtime.LeaseUids.FIRST);
        client.configMaps().inNamespace(NS).resource(objects.payload()).create();
        client.pods().inNamespace(NS).resource(objects.pod()).create();
    }

    List<String> leaseLabels() {
        return client.pods().inNamespace(NS).withLabel(FunctionPods.MANAGED_BY_LABEL, FunctionPods.MANAGED_BY).list().getItems()
                .stream().map(p -> p.getMetadata().getLabels().get(FunctionPods.LEASE_LABEL)).sorted().toList();
    }

    @Test
    void closingALeaseDeletesAllItsPodsAndNoOthers() {
        UUID closed = UUID.randomUUID();
        UUID open = UUID.randomUUID();
        callInFlight(closed);
        callInFlight(closed);
        callInFlight(open);
        assertThat(runtime.leasesPresent()).containsExactlyInAnyOrder(closed, open);

        runtime.remove(closed);

        assertThat(leaseLabels()).containsExactly(open.toString());
        assertThat(client.configMaps().inNamespace(NS).list().getItems()).hasSize(1);
        assertThat(runtime.leasesPresent()).containsExactly(open);
    }

    @Test
    void reconciliationRemovesPodsOfLeasesThatAreNoLongerActive() {
        UUID active = UUID.randomUUID();
        UUID orphan = UUID.randomUUID();
        callInFlight(active);
        callInFlight(orphan);
        client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withName("not-ours").addToLabels("app", "other").endMetadata().withNewSpec().addNewContainer().withName("x")
                .withImage("x").endContainer().endSpec().build()).create();
        LeaseReconciler reconciler = new LeaseReconciler(new OneLeaseMarketplace(active), runtime, new LeaseBook(), 64,
                Duration.ofSeconds(30));

        assertThat(reconciler.resync()).isTrue();

        assertThat(client.pods().inNamespace(NS).list().getItems()).extracting(p -> p.getMetadata().getName())
                .hasSize(2).contains("not-ours");
        assertThat(leaseLabels()).containsExactly(active.toString());
        assertThat(runtime.leasesPresent()).containsExactly(active);
        assertThat(client.network().v1().networkPolicies().inNamespace(NS).withName(FunctionPods.NETWORK_POLICY).get())
                .as("prepared").isNotNull();
    }

    @Test
    void startingRemovesPodsAnEarlierRunLeft() {
        callInFlight(UUID.randomUUID());
        assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(1);

        new KubernetesRuntime(client, KubernetesSettings.of(NS, Map.of("shell", "busybox:1.36.1")), (n, p, c, m) -> new byte[0]);

        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
    }

    /** A marketplace whose provider holds exactly one active lease. */
    record OneLeaseMarketplace(UUID lease) implements Marketplace {
        @Override
        public void register(ProviderRegistration registration) {
        }

        @Override
        public void publishOffer(OfferSpec offer) {
        }

        @Override
        public void heartbeat(Heartbeat heartbeat) {
        }

        @Override
        public List<LeaseView> leases() {
            return List.of(new LeaseView(lease, UUID.randomUUID(), CONSUMER, CONSUMER, "http://agent", BidKind.COMPUTE,
                    new Resources(500, 128, 0), new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO), LeaseState.ACTIVE,
                    Instant.now(), null, null, null));
        }

        @Override
        public AutoCloseable follow(Consumer<LeaseEvent> events) {
            return () -> { };
        }
    }
}
