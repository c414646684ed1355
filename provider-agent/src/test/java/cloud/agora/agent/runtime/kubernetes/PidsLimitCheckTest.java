package cloud.agora.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.LeaseUids;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.eth.Address;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pids check of the kubernetes driver's start ({@link KubernetesRuntime#start}, {@link PidsLimitCheck})
 * against the fabric8 CRUD mock API server. The test plays the kubelet ({@link ProbeKubelet}): it ends the
 * probe Pod the driver created with a status and gives its log what the probe would print on such a
 * cluster; the driver starts or refuses, and the probe Pod is gone afterwards in every case.
 */
@EnableKubernetesMockClient(crud = true)
class PidsLimitCheckTest {

    static final String NS = "agora-functions";
    static final Map<String, String> IMAGES = Map.of("shell", "busybox:1.36.1");

    KubernetesMockServer server;
    KubernetesClient client;
    ProbeKubelet kubelet;
    final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() {
        kubelet = new ProbeKubelet(client, NS);
        Logger.getLogger(PidsLimitCheck.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger(PidsLimitCheck.class.getName()).removeHandler(capture);
    }

    static KubernetesSettings settings(int maxPodPids, boolean allowUnbounded, Duration timeout) {
        return KubernetesSettings.of(NS, IMAGES).withPidsCheck(maxPodPids, allowUnbounded, timeout);
    }

    static KubernetesSettings settings() {
        return settings(1024, false, Duration.ofSeconds(10));
    }

    List<String> messages(Level atLeast) {
        return logged.stream().filter(r -> r.getLevel().intValue() >= atLeast.intValue()).map(LogRecord::getMessage).toList();
    }

    void assertProbeDeleted() {
        assertThat(kubelet.probesPresent()).as("probe Pods after the check").isEmpty();
    }

    @Test
    void startsWhereTheContainersCgroupV2PidsMaxIsWithinTheMaximum() throws Exception {
        CompletableFuture<Pod> probe = kubelet.completes(ProbeKubelet.output("512", "absent", false, 2, 512));

        KubernetesRuntime runtime = KubernetesRuntime.start(client, settings(), kubelet);

        assertThat(runtime.pidsLimit()).hasValueSatisfying(f -> {
            assertThat(f.bounded()).isTrue();
            assertThat(f.evidence()).startsWith("at most 512 processes").contains("cgroup v2 512");
        });
        assertThat(messages(Level.INFO)).anySatisfy(m -> assertThat(m).contains("hold at most 512"));
        assertThat(messages(Level.WARNING)).isEmpty();
        String name = probe.get(5, TimeUnit.SECONDS).getMetadata().getName();
        assertThat(kubelet.logsRead()).containsExactly(NS + "/" + name + "/function");
        assertProbeDeleted();
    }

    @Test
    void startsWhereTheContainersCgroupV1PidsMaxIsWithinTheMaximum() {
        kubelet.completes(ProbeKubelet.output("absent", "256", false, 2, 256));

        KubernetesRuntime runtime = KubernetesRuntime.start(client, settings(), kubelet);

        assertThat(runtime.pidsLimit()).hasValueSatisfying(f -> {
            assertThat(f.bounded()).isTrue();
            assertThat(f.evidence()).startsWith("at most 256 processes").contains("cgroup v1 256");
        });
        assertProbeDeleted();
    }

    @Test
    void startsWhereOnlyThePodCgroupIsBoundedAndAForkFailsBeforeTheMaximum() {
        // podPidsLimit=1000 on containerd: the kubelet bounds the Pod's cgroup, the container's own pids.max says max
        kubelet.completes(ProbeKubelet.output("max", "absent", false, 2, 999));

        KubernetesRuntime runtime = KubernetesRuntime.start(client, settings(), kubelet);

        assertThat(runtime.pidsLimit()).hasValueSatisfying(f -> {
            assertThat(f.bounded()).isTrue();
            assertThat(f.evidence()).startsWith("at most about 999 processes").contains("cgroup v2 max");
        });
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhereAPodIsUnboundedNamingPodPidsLimitAndTheValueFound() {
        kubelet.completes(ProbeKubelet.output("max", "absent", true, 0, 1025));

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("does not start")
                .hasMessageContaining("podPidsLimit").hasMessageContaining("--pod-max-pids")
                .hasMessageContaining("pids.max: cgroup v2 max").hasMessageContaining("held 1025 processes")
                .hasMessageContaining("agent.kubernetes.allow-unbounded-pids");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhereThePidsLimitIsAboveTheMaximum() {
        kubelet.completes(ProbeKubelet.output("4096", "absent", true, 0, 65));

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(64, false, Duration.ofSeconds(10)), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("not bounded to 64 processes").hasMessageContaining("cgroup v2 4096")
                .hasMessageContaining("podPidsLimit");
        assertProbeDeleted();
    }

    @Test
    void startsWithALoudWarningWhereUnboundedPodsAreExplicitlyAllowed() {
        kubelet.completes(ProbeKubelet.output("max", "absent", true, 0, 1025));

        KubernetesRuntime runtime = KubernetesRuntime.start(client, settings(1024, true, Duration.ofSeconds(10)), kubelet);

        assertThat(runtime.pidsLimit()).hasValueSatisfying(f -> assertThat(f.bounded()).isFalse());
        assertThat(messages(Level.WARNING)).singleElement().satisfies(m -> assertThat(m).contains("UNBOUNDED")
                .contains("podPidsLimit").contains("agent.kubernetes.allow-unbounded-pids=true"));
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhenTheProbeImageCannotBePulled() {
        kubelet.ends(null, status -> status.withPhase("Pending").withContainerStatuses(new ContainerStatusBuilder()
                .withName(FunctionPods.CONTAINER).withState(new ContainerStateBuilder().withNewWaiting()
                        .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"busybox:1.36.1\"").endWaiting().build())
                .build()));

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("cannot run").hasMessageContaining("ImagePullBackOff").hasMessageContaining("phase Pending")
                .hasMessageContaining("Back-off pulling image");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhenTheProbePodFailsWithThePodsReasonAndMessage() {
        kubelet.ends(null, status -> status.withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory."));

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("phase Failed").hasMessageContaining("reason Evicted")
                .hasMessageContaining("The node was low on resource: memory.");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhenTheProbeIsKilledForMemory() {
        kubelet.ends(null, status -> status.withPhase("Failed").withContainerStatuses(new ContainerStatusBuilder()
                .withName(FunctionPods.CONTAINER).withState(new ContainerStateBuilder().withNewTerminated().withExitCode(137)
                        .withReason("OOMKilled").withStartedAt("2026-11-21T10:00:00Z").withFinishedAt("2026-11-21T10:00:01Z")
                        .endTerminated().build())
                .build()));

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("OUT_OF_MEMORY").hasMessageContaining("reason OOMKilled");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhenTheCountingWasKilledBeforeItCouldTell() {
        kubelet.completes(ProbeKubelet.output("max", "absent", false, 137, 300));

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("counting was killed (exit status 137)");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhenTheProbesOutputIsNotTheProbes() {
        kubelet.completes("/bin/sh: sleep: not found\n");

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("did not print what the probe prints").hasMessageContaining("sleep: not found");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWhenAdmissionRejectsTheProbePod() {
        server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods").andReturn(403, "{\"kind\":\"Status\","
                + "\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"pods is forbidden: violates PodSecurity "
                + "\\\"restricted:latest\\\"\",\"reason\":\"Forbidden\",\"code\":403}").once();

        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("API server refused the pids probe Pod").hasMessageContaining("violates PodSecurity");
        assertProbeDeleted();
    }

    @Test
    void refusesToStartWithinTheTimeoutWhenTheProbeNeverEnds() {
        long before = System.nanoTime();

        // nobody plays the kubelet: the Pod stays without status (unschedulable, or an image pull that takes forever)
        assertThatThrownBy(() -> KubernetesRuntime.start(client, settings(1024, false, Duration.ofSeconds(2)), kubelet))
                .isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("did not end within PT2S").hasMessageContaining("agent.kubernetes.pids-check-timeout")
                .hasMessageContaining("no status");
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(10));
        assertProbeDeleted();
    }

    @Test
    void theProbeRunsUnderTheFunctionPodsSecurityContextWithoutNetworkTokenOrLease(@TempDir Path bundle) throws Exception {
        CompletableFuture<Pod> answered = kubelet.completes(ProbeKubelet.BOUNDED_V2);
        CompletableFuture<NetworkPolicy> policyAtProbe = answered.thenApply(p -> client.network().v1().networkPolicies()
                .inNamespace(NS).withName(FunctionPods.NETWORK_POLICY).get());

        KubernetesRuntime.start(client, settings(), kubelet);

        Pod probe = answered.get(5, TimeUnit.SECONDS);
        Files.writeString(bundle.resolve("handler.sh"), "echo hi\n");
        Pod function = new FunctionPods(settings()).forCall(new Workload(UUID.randomUUID(),
                        Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), new Limits(64, 100, 64, Duration.ofSeconds(1))),
                FunctionSpec.shell(bundle, "handler.sh"), new InvocationRequest(UUID.randomUUID(), new byte[0], Map.of()),
                LeaseUids.FIRST).pod();

        // the same security context as a function Pod, as another non-root uid outside the lease range
        PodSecurityContext podSecurity = probe.getSpec().getSecurityContext();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getRunAsUser()).isEqualTo((long) FunctionPods.PROBE_UID).isNotZero().isLessThan(LeaseUids.FIRST);
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(podSecurity).usingRecursiveComparison().ignoringFields("runAsUser", "runAsGroup")
                .isEqualTo(function.getSpec().getSecurityContext());
        assertThat(probe.getSpec().getContainers()).hasSize(1);
        Container container = probe.getSpec().getContainers().get(0);
        SecurityContext security = container.getSecurityContext();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getPrivileged()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getRunAsUser()).isEqualTo((long) FunctionPods.PROBE_UID);
        assertThat(security).usingRecursiveComparison().ignoringFields("runAsUser", "runAsGroup")
                .isEqualTo(function.getSpec().getContainers().get(0).getSecurityContext());
        assertThat(probe.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(probe.getSpec().getEnableServiceLinks()).isFalse();
        assertThat(probe.getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(probe.getSpec().getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(probe.getSpec().getVolumes()).isNullOrEmpty();
        assertThat(probe.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(probe.getSpec().getActiveDeadlineSeconds()).isEqualTo(10L);

        // the function runtime's image, small Guaranteed resources enough for the processes it starts
        assertThat(container.getImage()).isEqualTo("busybox:1.36.1");
        assertThat(container.getResources().getLimits()).isEqualTo(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("288Mi")));
        assertThat(container.getResources().getRequests()).isEqualTo(container.getResources().getLimits());
        assertThat(container.getCommand()).containsExactly("/bin/sh", "-c", PidsProbe.script(1024));

        // no network: the deny-all policy selects it (its labels are a function Pod's, without lease or invocation)
        assertThat(policyAtProbe.get(5, TimeUnit.SECONDS)).as("deny-all policy before the probe ran").isNotNull();
        assertThat(probe.getMetadata().getLabels()).containsAllEntriesOf(
                policyAtProbe.get().getSpec().getPodSelector().getMatchLabels())
                .containsEntry(FunctionPods.PROBE_LABEL, FunctionPods.PIDS_PROBE)
                .doesNotContainKeys(FunctionPods.LEASE_LABEL, FunctionPods.INVOCATION_LABEL);
        assertThat(probe.getMetadata().getName()).startsWith("agora-pids-probe-");
        assertProbeDeleted();
    }

    @Test
    void eachProbeHasAUniqueName() {
        kubelet.completes(ProbeKubelet.BOUNDED_V2);
        KubernetesRuntime.start(client, settings(), kubelet);
        kubelet.completes(ProbeKubelet.BOUNDED_V2);
        KubernetesRuntime.start(client, settings(), kubelet);

        assertThat(kubelet.logsRead()).hasSize(2).doesNotHaveDuplicates();
        assertProbeDeleted();
    }
}
