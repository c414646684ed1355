package cloud.agora.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What an operator relies on in the rendered manifests of both modes. */
class ChartTest {

    private static final Set<String> PLATFORM = Set.of("marketplace", "governance", "billing", "storage-gateway",
            "functions");
    private static final Set<String> SCALABLE = Set.of("billing", "storage-gateway", "functions");

    @Test
    void lintsBothModesStrictly() throws Exception {
        for (String values : List.of("platform-values.yaml", "agent-values.yaml")) {
            LintResult lint = Chart.lint(values);
            assertThat(lint.isFailed()).as("helm lint --strict with %s: %s", values, lint.getMessages()).isFalse();
            assertThat(lint.getMessages()).as(values).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
        }
    }

    @Test
    void platformModeInstallsEveryServiceHardenedWithLimitsAndProbes() {
        List<HasMetadata> objects = Chart.render("platform-values.yaml", Map.of());
        List<Deployment> deployments = of(objects, Deployment.class);
        assertThat(deployments).extracting(d -> component(d)).containsExactlyInAnyOrderElementsOf(PLATFORM);
        for (Deployment deployment : deployments) {
            assertHardened(deployment);
            String component = component(deployment);
            Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(container.getImage()).isEqualTo("agora/" + component + ":0.1.0-SNAPSHOT");
            assertThat(deployment.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken())
                    .as("%s gets no API token", component).isFalse();
            // its configuration: a ConfigMap of this release plus the operator's Secret, never inline secrets
            String configMap = container.getEnvFrom().get(0).getConfigMapRef().getName();
            ConfigMap config = named(of(objects, ConfigMap.class), configMap);
            assertThat(config.getData().get("QUARKUS_DATASOURCE_JDBC_URL"))
                    .startsWith("jdbc:postgresql://postgres.databases.svc:5432/");
            assertThat(config.getData()).containsEntry("KAFKA_BOOTSTRAP_SERVERS",
                    "kafka-0.kafka.svc:9092,kafka-1.kafka.svc:9092");
            assertThat(config.getData().values()).noneMatch(v -> v.matches("(?i).*(password|secret-key).*"));
            // sign-in messages name the site users reach and the platform's chain, not localhost and Anvil's
            assertThat(config.getData()).containsEntry("AGORA_AUTH_DOMAIN", "agora.example.org")
                    .containsEntry("AGORA_AUTH_URI", "https://agora.example.org")
                    .containsEntry("AGORA_AUTH_CHAIN_ID", "11155111").containsEntry("AGORA_CHAIN_CHAIN_ID", "11155111");
            assertThat(container.getEnv()).extracting(EnvVar::getName).contains("AGORA_AUTH_SECRET",
                    "QUARKUS_DATASOURCE_PASSWORD");
            assertThat(container.getEnv()).allSatisfy(env -> {
                assertThat(env.getValue()).as("%s %s is not inline", component, env.getName()).isNull();
                assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("agora-secrets");
            });
        }
        ConfigMap functions = named(of(objects, ConfigMap.class), "agora-functions");
        assertThat(functions.getData()).containsEntry("QUARKUS_REST_CLIENT_MARKETPLACE_URL", "http://agora-marketplace:8081")
                .containsEntry("QUARKUS_REST_CLIENT_BILLING_URL", "http://agora-billing:8082")
                .containsEntry("AGORA_FUNCTIONS_GATEWAY_KEY_FILE", "/var/run/agora/keys/functions-gateway.key");
        assertThat(named(of(objects, ConfigMap.class), "agora-billing").getData())
                .containsEntry("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://postgres.databases.svc:5432/billing?sslmode=prefer")
                .containsEntry("AGORA_BILLING_GATEWAYS", "0x976EA74026E726554dB657fA54763abd0C3a0aa9");
        // the marketplace publishes the gateway keys agents learn whose grants to accept from
        assertThat(named(of(objects, ConfigMap.class), "agora-marketplace").getData())
                .containsEntry("AGORA_MARKET_GATEWAYS_FUNCTIONS", "0x976EA74026E726554dB657fA54763abd0C3a0aa9")
                .containsEntry("AGORA_MARKET_GATEWAYS_STORAGE", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
        // governance finds the escrow's timelock and checks its guardians can cancel before scheduling anything
        assertThat(named(of(objects, ConfigMap.class), "agora-governance").getData())
                .containsEntry("AGORA_CHAIN_TIMELOCK_ADDRESS", "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0")
                .containsEntry("AGORA_CHAIN_GUARDIANS",
                        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
                .containsEntry("AGORA_CHAIN_EXECUTOR_KEY_FILE", "/var/run/agora/keys/executor.key");
        assertThat(of(objects, Role.class)).as("no agent RBAC in platform mode").isEmpty();
        // signed events: every service checks each producer's records against its address; producers sign with their key
        for (String component : PLATFORM) {
            Map<String, String> data = named(of(objects, ConfigMap.class), "agora-" + component).getData();
            assertThat(data).as(component).containsEntry("AGORA_EVENTS_PRODUCERS_MARKETPLACE",
                    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f")
                    .containsEntry("AGORA_EVENTS_PRODUCERS_BILLING", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720")
                    .containsEntry("AGORA_EVENTS_PRODUCERS_GOVERNANCE", "0xBcd4042DE499D14e55001CcbB24a551F3b954096")
                    .containsEntry("AGORA_EVENTS_PRODUCERS_FUNCTIONS", "0x71bE63f3384f5fb98995898A86B02Fb2426c5788");
            if (component.equals("storage-gateway")) {
                assertThat(data).as(component).doesNotContainKey("AGORA_EVENTS_KEY_FILE");
            } else {
                assertThat(data).as(component).containsEntry("AGORA_EVENTS_KEY_FILE",
                        "/var/run/agora/keys/events-" + component + ".key");
            }
        }
    }

    /**
     * With {@code kafka.security.protocol=SASL_SSL} each service that uses Kafka signs in over TLS as its own SCRAM
     * user, its password from the operator's Secret (never in the ConfigMap), the brokers' CA mounted as a file; the
     * storage gateway, which uses no Kafka, gets no credentials. Plaintext by default.
     */
    @Test
    void kafkaOverTlsWithOneScramUserPerServiceAndNoPasswordInAConfigMap() {
        List<HasMetadata> plain = Chart.render("platform-values.yaml", Map.of());
        assertThat(named(of(plain, ConfigMap.class), "agora-billing").getData()).doesNotContainKeys("KAFKA_SECURITY_PROTOCOL",
                "KAFKA_SASL_JAAS_CONFIG");

        List<HasMetadata> objects = Chart.render("platform-values.yaml", Map.of("kafka.security.protocol", "SASL_SSL",
                "kafka.security.caSecretKey", "kafka-ca.crt"));
        for (String component : List.of("marketplace", "billing", "governance", "functions")) {
            Map<String, String> data = named(of(objects, ConfigMap.class), "agora-" + component).getData();
            assertThat(data).as(component).containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                    .containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                    .containsEntry("KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                            + "username=\"agora-" + component + "\" password=\"${KAFKA_PASSWORD}\";")
                    .containsEntry("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM")
                    .containsEntry("KAFKA_SSL_TRUSTSTORE_LOCATION", "/var/run/agora/keys/kafka-ca.crt");
            PodSpec pod = named(of(objects, Deployment.class), "agora-" + component).getSpec().getTemplate().getSpec();
            EnvVar password = pod.getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("KAFKA_PASSWORD"))
                    .findFirst().orElseThrow();
            assertThat(password.getValue()).isNull();
            assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("kafka-password-" + component);
            assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getSecret() == null ? List.of()
                    : v.getSecret().getItems()).anySatisfy(item -> assertThat(item.getKey()).isEqualTo("kafka-ca.crt")));
        }
        Map<String, String> storage = named(of(objects, ConfigMap.class), "agora-storage-gateway").getData();
        assertThat(storage).doesNotContainKeys("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_JAAS_CONFIG");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("kafka.security.protocol", "SSL_PLAIN")))
                .hasMessageContaining("protocol");
    }

    @Test
    void matchingEngineAndExecutorHaveOneWriterWhileStatelessServicesScale() {
        List<HasMetadata> objects = Chart.render("platform-values.yaml", Map.of());
        for (String writer : List.of("marketplace", "governance")) {
            Deployment deployment = named(of(objects, Deployment.class), "agora-" + writer);
            assertThat(deployment.getSpec().getReplicas()).as(writer).isEqualTo(1);
            assertThat(deployment.getSpec().getStrategy().getType()).as(writer).isEqualTo("Recreate");
        }
        Set<String> scaled = of(objects, HorizontalPodAutoscaler.class).stream()
                .map(h -> h.getSpec().getScaleTargetRef().getName()).collect(Collectors.toSet());
        assertThat(scaled).containsExactlyInAnyOrder("agora-billing", "agora-storage-gateway", "agora-functions");
        List<PodDisruptionBudget> budgets = of(objects, PodDisruptionBudget.class);
        assertThat(budgets).hasSize(SCALABLE.size());
        for (PodDisruptionBudget budget : budgets) {
            Deployment target = of(objects, Deployment.class).stream()
                    .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                            .containsAll(budget.getSpec().getSelector().getMatchLabels().entrySet()))
                    .collect(onlyOne());
            assertThat(SCALABLE).contains(component(target));
            assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        }
    }

    @Test
    void everyServiceSelectsExactlyItsOwnPods() {
        for (String values : List.of("platform-values.yaml", "agent-values.yaml")) {
            List<HasMetadata> objects = Chart.render(values, Map.of());
            for (Service service : of(objects, Service.class)) {
                Deployment target = of(objects, Deployment.class).stream()
                        .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                                .containsAll(service.getSpec().getSelector().entrySet()))
                        .collect(onlyOne());
                Container container = target.getSpec().getTemplate().getSpec().getContainers().get(0);
                assertThat(container.getPorts()).anySatisfy(p -> {
                    assertThat(p.getName()).isEqualTo(service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
                    assertThat(p.getContainerPort()).isEqualTo(service.getSpec().getPorts().get(0).getPort());
                });
            }
        }
    }

    @Test
    void agentModeInstallsOnlyTheAgentWithRbacLimitedToItsNamespace() {
        List<HasMetadata> objects = Chart.render("agent-values.yaml", Map.of());
        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ServiceAccount", "Role",
                "RoleBinding", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service");
        Deployment agent = of(objects, Deployment.class).get(0);
        assertThat(component(agent)).isEqualTo("provider-agent");
        assertHardened(agent);
        assertThat(agent.getSpec().getStrategy().getType()).as("one agent per journal volume").isEqualTo("Recreate");
        PodSpec pod = agent.getSpec().getTemplate().getSpec();
        ServiceAccount account = of(objects, ServiceAccount.class).get(0);
        assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName());
        PersistentVolumeClaim journal = of(objects, PersistentVolumeClaim.class).get(0);
        assertThat(pod.getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .singleElement().satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName())
                        .isEqualTo(journal.getMetadata().getName()));
        assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/var/lib/agora-agent");
            assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        });

        Role role = of(objects, Role.class).get(0);
        assertThat(role.getMetadata().getNamespace()).isEqualTo("agora-functions");
        assertThat(role.getRules()).allSatisfy(rule -> {
            assertThat(rule.getResources()).isSubsetOf("pods", "pods/log", "configmaps", "networkpolicies");
            assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
        });
        assertThat(role.getRules()).flatExtracting(PolicyRule::getResources).contains("pods", "pods/log", "configmaps",
                "networkpolicies");
        RoleBinding binding = of(objects, RoleBinding.class).get(0);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
            assertThat(s.getNamespace()).isEqualTo(Chart.NAMESPACE);
        });
        String properties = of(objects, ConfigMap.class).get(0).getData().get("application.properties");
        assertThat(properties).contains("agent.driver=kubernetes", "agent.kubernetes.namespace=agora-functions",
                "agent.region=eu-west", "agent.attributes.gpu=none", "agent.billing.url=https://billing.agora.example",
                "agent.capacity.max-storage-gi-b=100");
        // no gateway keys configured: the agent learns them from the marketplace
        assertThat(properties).doesNotContain("agent.gateways.");
        String pinned = of(Chart.render("agent-values.yaml", Map.of("agent.gateways.functions",
                "0x976EA74026E726554dB657fA54763abd0C3a0aa9")), ConfigMap.class).get(0).getData().get("application.properties");
        assertThat(pinned).contains("agent.gateways.functions=0x976EA74026E726554dB657fA54763abd0C3a0aa9")
                .doesNotContain("agent.gateways.storage");
    }

    @Test
    void noSharedGatewaySecretReachesAnyPod() {
        for (String values : List.of("platform-values.yaml", "agent-values.yaml")) {
            for (Deployment deployment : of(Chart.render(values, Map.of()), Deployment.class)) {
                assertThat(deployment.getSpec().getTemplate().getSpec().getContainers()).allSatisfy(c -> {
                    assertThat(c.getEnv()).as("%s env", component(deployment)).noneSatisfy(env -> {
                        assertThat(env.getName()).containsIgnoringCase("GATEWAY_TOKEN");
                    });
                    assertThat(c.getEnv()).noneSatisfy(env -> assertThat(env.getValueFrom().getSecretKeyRef().getKey())
                            .isEqualTo("gateway-token"));
                });
            }
        }
    }

    @Test
    void podsAreScrapedTracesGoWhereTheOperatorSaysAndTheDashboardShipsOnRequest() throws Exception {
        List<HasMetadata> platform = Chart.render("platform-values.yaml", Map.of());
        for (Deployment deployment : of(platform, Deployment.class)) {
            Map<String, String> annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
            String port = String.valueOf(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()
                    .get(0).getContainerPort());
            assertThat(annotations).as(component(deployment)).containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", port).containsEntry("prometheus.io/path", "/q/metrics");
        }
        // no collector named: the services' OpenTelemetry SDK stays off (their default), and no dashboard
        assertThat(of(platform, ConfigMap.class)).allSatisfy(c -> assertThat(c.getData()).doesNotContainKey(
                "QUARKUS_OTEL_SDK_DISABLED"));
        assertThat(of(platform, ConfigMap.class)).noneMatch(c -> c.getMetadata().getName().endsWith("-dashboard"));

        List<HasMetadata> traced = Chart.render("platform-values.yaml", Map.of("observability.tracesEndpoint",
                "http://otel-collector.observability:4317", "observability.grafanaDashboard", true));
        for (String service : PLATFORM) {
            assertThat(named(of(traced, ConfigMap.class), "agora-" + service).getData()).as(service)
                    .containsEntry("QUARKUS_OTEL_SDK_DISABLED", "false")
                    .containsEntry("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://otel-collector.observability:4317")
                    .containsEntry("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc");
        }
        ConfigMap dashboard = named(of(traced, ConfigMap.class), "agora-dashboard");
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dashboard.getData().get("agora.json"));
        assertThat(json.path("panels").findValuesAsText("expr")).anyMatch(e -> e.contains("agora_function_calls_total"))
                .anyMatch(e -> e.contains("agora_agent_receipts_pending"))
                .anyMatch(e -> e.contains("agora_billing_receipts_quarantined_total"));

        List<HasMetadata> agent = Chart.render("agent-values.yaml", Map.of("observability.tracesEndpoint",
                "http://otel-collector.observability:4318", "observability.tracesProtocol", "http/protobuf"));
        assertThat(of(agent, ConfigMap.class).get(0).getData().get("application.properties")).contains(
                "quarkus.otel.sdk.disabled=false",
                "quarkus.otel.exporter.otlp.traces.endpoint=http://otel-collector.observability:4318",
                "quarkus.otel.exporter.otlp.traces.protocol=http/protobuf");
        assertThat(of(agent, Deployment.class).get(0).getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", "8090");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("observability.tracesProtocol", "udp")))
                .hasMessageContaining("tracesProtocol");
    }

    @Test
    void schemaRefusesValuesThatCannotWork() {
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("mode", "everything")))
                .hasMessageContaining("mode");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("ethereum.escrowAddress", "")))
                .hasMessageContaining("escrowAddress");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("publicUrl", "")))
                .as("sign-in messages must name the real site").hasMessageContaining("publicUrl");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("ethereum.rpcUrl", "not a url")))
                .hasMessageContaining("rpcUrl");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("gateways.functions", "")))
                .as("billing rates only witnessed receipts: it needs the witness's key").hasMessageContaining("functions");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("gateways.storage", "0x123")))
                .hasMessageContaining("storage");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("events.producers.governance", "")))
                .as("consumers must know whose signatures a topic needs").hasMessageContaining("governance");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("ethereum.guardians", "0x123")))
                .as("a guardian is an address").hasMessageContaining("guardians");
        assertThatThrownBy(() -> Chart.render("platform-values.yaml", Map.of("services.marketplace.replicas", 3)))
                .as("the matching engine cannot be scaled out").hasMessageContaining("replicas");
        assertThatThrownBy(() -> Chart.render("agent-values.yaml", Map.of("agent.billingUrl", "")))
                .as("an agent must be able to ship its receipts somewhere").isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> Chart.render("agent-values.yaml", Map.of("agent.prices.perInvocation", "0.5")))
                .as("prices are integer wei").hasMessageContaining("perInvocation");
    }

    private static void assertHardened(Deployment deployment) {
        String component = component(deployment);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(component).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as(component).isEqualTo(65534L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).as(component).isEqualTo("RuntimeDefault");
        assertThat(pod.getContainers()).as(component).allSatisfy(c -> {
            assertThat(c.getResources().getLimits()).as("%s limits", component).containsKeys("cpu", "memory");
            assertThat(c.getResources().getRequests()).as("%s requests", component).containsKeys("cpu", "memory");
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as("%s read-only root", component).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(component).isFalse();
            assertThat(c.getSecurityContext().getRunAsNonRoot()).as(component).isTrue();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(component).containsExactly("ALL");
            for (Probe probe : List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())) {
                assertThat(probe).as("%s probes", component).isNotNull();
                assertThat(probe.getHttpGet().getPath()).startsWith("/q/health/");
                assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
            }
            // a read-only root needs a writable /tmp
            assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        });
    }

    private static String component(HasMetadata object) {
        return object.getMetadata().getLabels().get("app.kubernetes.io/name");
    }

    private static <T extends HasMetadata> List<T> of(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T named(List<T> objects, String name) {
        return objects.stream().filter(o -> o.getMetadata().getName().equals(name)).collect(onlyOne());
    }

    private static <T> java.util.stream.Collector<T, ?, T> onlyOne() {
        return Collectors.collectingAndThen(Collectors.toList(), list -> {
            assertThat(list).hasSize(1);
            return list.get(0);
        });
    }
}
