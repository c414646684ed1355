package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.send;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two of each stateless service, as the Helm chart runs them: a second functions gateway and a second billing beside
 * the launcher's, on the same PostgreSQL databases and Kafka group. Calls take turns through both gateways; both
 * gateways' relays publish witness batches from one outbox table. The billing that consumes the receipts' topic is
 * SIGKILLed under traffic and the other takes the topic over, while the agent's anti-entropy may deliver the same
 * receipts again over HTTP. Then the killed one is started again. In the end every answered call is rated exactly
 * once: the newest voucher commits to as many receipts as calls answered, each proven independently of billing's
 * code, its amount is their charges' sum and the gateways' usage, to the wei, and both billings report it alike.
 */
class TwoOfEachIT {

    static final String FUNCTION = "twin-echo";
    static final String GATEWAY_B = "http://localhost:8088";
    static final String BILLING_B = "http://localhost:8089";
    /** The second billing's Kafka static membership, which tells it apart in the consumer group. */
    static final String BILLING_B_INSTANCE = "billing-b";

    @TempDir
    Path state;

    @TempDir
    Path work;

    @Test
    void twoGatewaysAndTwoBillingsRateEveryAnsweredCallOnceThroughTheLossOfTheBillingThatConsumedTheReceipts()
            throws Exception {
        List<PartProcess> taken = new ArrayList<>();
        try (LocalPlatform platform = new LocalPlatform(state)
                .withEnv("AGENT_JOURNAL_RECONCILE_INTERVAL", "5s")
                // a replica that stops heartbeating loses its partitions after 10 s rather than Kafka's 45 s
                .withEnv("AGORA_BILLING_INGESTION_SESSION_TIMEOUT", "10s")
                .start()) {
            try {
                PartProcess gatewayB = PartProcess.of("functions", platform.pid("functions"),
                        state.resolve("logs/functions-b.log")).with(Map.of("QUARKUS_HTTP_PORT", "8088"), List.of());
                PartProcess billingB = PartProcess.of("billing", platform.pid("billing"), state.resolve("logs/billing-b.log"))
                        .with(Map.of("QUARKUS_HTTP_PORT", "8089", "AGORA_BILLING_INGESTION_INSTANCE_ID", BILLING_B_INSTANCE),
                                List.of());
                PartProcess billingA = PartProcess.of("billing", platform.pid("billing"),
                        state.resolve("logs/billing-again.log"));
                for (PartProcess second : List.of(gatewayB, billingB)) {
                    second.start();
                    taken.add(second);
                }
                gatewayB.awaitReady(GATEWAY_B);
                billingB.awaitReady(BILLING_B);

                FunctionCalls.EchoDeployed deployed = FunctionCalls.echoDeployed(state, work, FUNCTION);
                Signer developer = deployed.developer();
                String provider = deployed.provider();
                String gateway = deployed.gateway();
                String token = deployed.token();

                Traffic traffic = new Traffic(FUNCTION, List.of(FUNCTIONS, GATEWAY_B));
                traffic.start();
                traffic.awaitAnswered(Instant.EPOCH, 20, "through both gateways");

                // the billing that holds the receipts' topic now (after the second joined the group) is the one to lose
                AtomicReference<Optional<String>> holder = new AtomicReference<>(Optional.empty());
                await("one billing consuming " + Topics.USAGE_RECEIPTS, Duration.ofSeconds(120),
                        () -> holder.updateAndGet(h -> receiptsConsumer()).isPresent());
                boolean bHolds = holder.get().get().startsWith(BILLING_B_INSTANCE);
                PartProcess lost = bHolds ? billingB : billingA;
                String survivor = bHolds ? BILLING : BILLING_B;
                Instant killed = Instant.now();
                lost.kill();
                List<Traffic.Call> after = traffic.awaitAnswered(killed, 20, "with one billing");
                String late = after.get(after.size() - 1).invocation();
                await("the surviving billing rating a call answered after the loss", Duration.ofSeconds(180),
                        () -> send("GET", survivor + "/api/v1/receipts/" + late + "/proof", token, null).statusCode() == 200);
                Instant takenOver = Instant.now();
                if (!bHolds) {
                    taken.add(billingA);
                }
                lost.start();
                lost.awaitReady(bHolds ? BILLING_B : BILLING);
                traffic.awaitAnswered(Instant.now(), 10, "with both billings again");
                traffic.pause();

                List<Traffic.Call> answered = traffic.answered();
                assertThat(answered).as("calls answered by each gateway")
                        .anyMatch(c -> c.gateway().equals(FUNCTIONS)).anyMatch(c -> c.gateway().equals(GATEWAY_B));
                assertThat(traffic.calls()).as("every call answered, and rightly").allMatch(Traffic.Call::answered);
                // both gateways share one database: either one's usage is the function's
                JsonNode usage = PlatformCalls.call("GET", GATEWAY_B + "/api/v1/functions/" + FUNCTION + "/usage", token, null);
                assertThat(usage.get("invocations").asLong()).as("calls the gateways recorded").isEqualTo(answered.size());
                assertThat(usage.get("suspectReceipts").asLong()).as("receipts the gateways did not witness").isZero();
                String providerBilling = signIn(BILLING_B, KeyFiles.read(state.resolve("keys/provider.key")));
                List<String> invocations = answered.stream().map(Traffic.Call::invocation).toList();
                IndependentBill.Proven bill = IndependentBill.proveInTheNewestVoucher(survivor, token, providerBilling,
                        developer.address().checksummed(), provider, gateway, invocations, answered.size());
                assertThat(bill.provenSum()).as("Σ charges").isEqualTo(bill.amount());
                assertThat(bill.amount()).as("the voucher is the gateways' witnessed usage, to the wei")
                        .isEqualTo(new BigInteger(usage.get("estimatedCostWei").asText()));
                // the billing started again reports the same newest voucher: one bill, whichever replica is asked
                String vouchers = "/api/v1/vouchers?provider=" + provider + "&consumer=" + developer.address().checksummed();
                JsonNode restarted = PlatformCalls.call("GET", (bHolds ? BILLING_B : BILLING) + vouchers, providerBilling, null)
                        .get(0);
                JsonNode surviving = PlatformCalls.call("GET", survivor + vouchers, providerBilling, null).get(0);
                assertThat(restarted.get("sequence")).isEqualTo(surviving.get("sequence"));
                assertThat(restarted.get("voucher")).as("the signed voucher").isEqualTo(surviving.get("voucher"));
                System.out.printf("two of each: %d calls answered (%d through the second gateway); the billing %s consumed"
                        + " the receipts and was SIGKILLed, the other rated a later call %d ms after%n", answered.size(),
                        answered.stream().filter(c -> c.gateway().equals(GATEWAY_B)).count(), bHolds ? "started by the test"
                                : "started by the launcher", Duration.between(killed, takenOver).toMillis());
                traffic.stop();
            } catch (Throwable failed) {
                platform.keepForInspection("two-of-each-it");
                throw failed;
            } finally {
                for (int i = taken.size() - 1; i >= 0; i--) {
                    taken.get(i).stop();
                }
            }
        }
    }

    /**
     * The group instance id of the billing consumer assigned the receipts' topic (empty text: the launcher's billing,
     * which has none), or nothing while the group rebalances.
     */
    private static Optional<String> receiptsConsumer() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + Platform.KAFKA_PORT);
        try (Admin admin = Admin.create(props)) {
            for (MemberDescription member : admin.describeConsumerGroups(List.of("billing")).all().get().get("billing")
                    .members()) {
                if (member.assignment().topicPartitions().stream().anyMatch(p -> p.topic().equals(Topics.USAGE_RECEIPTS))) {
                    return Optional.of(member.groupInstanceId().orElse(""));
                }
            }
        } catch (ExecutionException notYet) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return Optional.empty();
    }
}
