package cloud.agora.billing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import cloud.agora.billing.domain.LeaseTerms;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.PostgresServer;
import cloud.agora.testsupport.Wallet;
import com.fasterxml.jackson.core.type.TypeReference;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * The whole billing path against real Kafka, PostgreSQL and Anvil, with the packaged service as a process:
 * 10,000 receipts for 3 providers measured through Kafka, then 6,000 more through SIGKILLs during ingestion and
 * voucher signing and a broker restart, then the whole topic replayed; vouchers redeemed on chain; totals exact to
 * the wei; every receipt's proof verified against the root of its pair's last redeem event; the gas of a redeem
 * of 1,000 receipts.
 */
class EndToEndIT {

    static final int PROVIDERS = 3;
    static final int MEASURED = 10_000;
    static final int FAULTED = 6_000;

    @Test
    void ratesVouchersAndSettlesEveryReceiptExactlyOnceThroughCrashesBrokerRestartAndReplay() throws Exception {
        PostgresServer.Database db = PostgresServer.newDatabase();
        String bootstrap = KafkaBroker.bootstrapServers();
        int port = KafkaBroker.freePort();
        Path log = Path.of("target/billing-it.log");
        Files.deleteIfExists(log);
        try (Devnet devnet = Devnet.start(); KafkaProducer<String, String> producer = Fixtures.producer()) {
            List<Signer> developers = new ArrayList<>();
            List<Wallet> providers = new ArrayList<>();
            List<LeaseView> leases = new ArrayList<>();
            for (int i = 0; i < PROVIDERS; i++) {
                Signer developer = devnet.newAccount();
                devnet.escrow().deposit(developer, Wei.parse("100000000000000000000"));
                devnet.escrow().authorize(developer, devnet.account(4).address(), Wei.parse("100000000000000000000"));
                Wallet provider = Wallet.random();
                LeaseView lease = Fixtures.lease(developer.address(), provider.address());
                Fixtures.publishLease(producer, lease);
                developers.add(developer);
                providers.add(provider);
                leases.add(lease);
            }
            // identical usage: every receipt costs the same, so the threshold below is exactly 1,000 receipts
            LeaseTerms terms = Fixtures.terms(leases.get(0));
            BigInteger each = terms.charge(receipt(leases.get(0), providers.get(0)));
            Map<String, String> env = new HashMap<>(Map.of(
                    "QUARKUS_HTTP_PORT", Integer.toString(port),
                    "QUARKUS_DATASOURCE_JDBC_URL", db.jdbcUrl(),
                    "QUARKUS_DATASOURCE_USERNAME", db.user(),
                    "QUARKUS_DATASOURCE_PASSWORD", db.password(),
                    "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "AGORA_CHAIN_RPC_URL", devnet.rpcUrl(),
                    "AGORA_CHAIN_CHAIN_ID", Long.toString(devnet.chainId()),
                    "AGORA_CHAIN_ESCROW_ADDRESS", devnet.escrow().address().checksummed(),
                    "AGORA_BILLING_VOUCHERS_DELEGATE_KEY", devnet.account(4).privateKeyHex(),
                    "AGORA_AUTH_SECRET", "billing-it-secret-0123456789abcdef0123"));
            env.put("AGORA_BILLING_GATEWAYS", Fixtures.GATEWAY.address().value());
            env.put("AGORA_CHAIN_POLL_INTERVAL", "5ms");
            env.put("AGORA_CHAIN_RECEIPT_TIMEOUT", "10s");
            env.put("AGORA_BILLING_VOUCHERS_THRESHOLD", each.multiply(BigInteger.valueOf(1_000)).toString());
            env.put("AGORA_BILLING_VOUCHERS_PERIOD", "5s");
            env.put("AGORA_BILLING_VOUCHERS_INTERVAL", "1s");
            env.put("AGORA_BILLING_SETTLEMENT_CONFIRMATIONS", "1");
            env.put("AGORA_BILLING_INGESTION_INSTANCE_ID", "billing-it");
            RestAssured.port = port;
            try (BillingProcess billing = new BillingProcess(env, log);
                 Connection sql = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
                billing.start();

                // 1. throughput: 10,000 receipts through Kafka into PostgreSQL
                List<UsageReceipt> measured = receipts(MEASURED, leases, providers);
                long started = System.nanoTime();
                Fixtures.publishReceipts(producer, measured);
                awaitCount(sql, "SELECT count(*) FROM receipts", MEASURED, Duration.ofMinutes(2));
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("INGESTION: %d receipts through Kafka into PostgreSQL in %.2f s = %.0f receipts/s%n",
                        MEASURED, seconds, MEASURED / seconds);

                // 2. faults: SIGKILL during ingestion, during voucher signing, a broker restart
                List<UsageReceipt> faulted = receipts(FAULTED, leases, providers);
                Fixtures.publishReceipts(producer, faulted.subList(0, 1_500));
                awaitCount(sql, "SELECT count(*) FROM receipts", MEASURED + 1, Duration.ofMinutes(1));
                billing.kill();
                System.out.printf("killed during ingestion at %d rated%n", count(sql, "SELECT count(*) FROM receipts"));
                billing.start();
                Random random = new Random(11);
                for (int k = 0; k < 3; k++) {
                    long before = count(sql, "SELECT count(*) FROM vouchers");
                    // new charges each time, so that there is voucher signing to interrupt (a fast ingestion may
                    // have rated and vouchered everything sent before)
                    Fixtures.publishReceipts(producer, faulted.subList(1_500 + k * 500, 2_000 + k * 500));
                    await().atMost(Duration.ofSeconds(30)).until(() -> count(sql, "SELECT count(*) FROM vouchers") > before
                            || count(sql, "SELECT count(*) FROM pairs WHERE rated > vouchered") > 0);
                    Thread.sleep(random.nextInt(1_500));
                    billing.kill();
                    System.out.printf("killed during voucher signing with %d vouchers%n", count(sql, "SELECT count(*) FROM vouchers"));
                    billing.start();
                }
                KafkaBroker.stop();
                Thread.sleep(3_000);
                KafkaBroker.restart();
                Fixtures.publishReceipts(producer, faulted.subList(3_000, FAULTED));
                awaitCount(sql, "SELECT count(*) FROM receipts", MEASURED + FAULTED, Duration.ofMinutes(2));

                // 3. replay the whole topic (an operator resets the group's offsets): nothing is charged twice
                billing.stop();
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                    admin.removeMembersFromConsumerGroup("billing", new RemoveMembersFromConsumerGroupOptions()).all().get();
                    admin.alterConsumerGroupOffsets("billing", Map.of(new TopicPartition(Topics.USAGE_RECEIPTS, 0),
                            new OffsetAndMetadata(0))).all().get();
                }
                billing.start();
                int total = MEASURED + FAULTED;
                await().atMost(Duration.ofMinutes(2)).until(() -> count(sql,
                        "SELECT COALESCE(sum(times_seen), 0) FROM quarantine WHERE reason = 'replayed'") >= total);
                assertThat(count(sql, "SELECT count(*) FROM receipts")).isEqualTo(total);
                assertThat(count(sql, "SELECT count(*) FROM quarantine WHERE reason <> 'replayed' AND resolved_at IS NULL")).isZero();

                // 4. totals exact to the wei, vouchers consistent with their receipts
                BigInteger expected = each.multiply(BigInteger.valueOf(total));
                assertThat(number(sql, "SELECT sum(charge) FROM receipts")).isEqualTo(expected);
                assertThat(number(sql, "SELECT sum(charged) FROM usage_totals")).isEqualTo(expected);
                assertThat(number(sql, "SELECT sum(rated) FROM pairs")).isEqualTo(expected);
                assertThat(count(sql, """
                        SELECT count(*) FROM vouchers v WHERE v.cumulative_amount <> (SELECT COALESCE(sum(charge), 0) FROM receipts r
                            WHERE r.consumer_address = v.consumer_address AND r.provider_address = v.provider_address
                            AND r.voucher_seq <= v.seq)
                           OR v.receipt_count <> (SELECT count(*) FROM receipts r WHERE r.consumer_address = v.consumer_address
                            AND r.provider_address = v.provider_address AND r.voucher_seq <= v.seq)""")).isZero();

                // 5. every pair fully vouchered, redeemed on chain; billing follows
                await().atMost(Duration.ofSeconds(60)).until(() -> count(sql, "SELECT count(*) FROM pairs WHERE rated > vouchered") == 0);
                Map<Integer, Redemption> lastRedeem = new HashMap<>();
                for (int i = 0; i < PROVIDERS; i++) {
                    VoucherView v = latest(providers.get(i));
                    lastRedeem.put(i, devnet.escrow().redeem(devnet.account(5), v.voucher()));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> count(sql, "SELECT count(*) FROM pairs WHERE redeemed <> rated") == 0);
                BigInteger onChain = BigInteger.ZERO;
                for (int i = 0; i < PROVIDERS; i++) {
                    onChain = onChain.add(devnet.escrow().redeemed(developers.get(i).address(), providers.get(i).address()).value());
                }
                BigInteger unpaid = number(sql, "SELECT sum(rated - redeemed) FROM pairs");
                assertThat(onChain.add(unpaid)).isEqualTo(expected);

                // 6. gas of a later, delegate-signed redeem of a voucher of exactly 1,000 receipts
                long coveredBefore = latest(providers.get(0)).receipts();
                List<UsageReceipt> thousand = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    thousand.add(receipt(leases.get(0), providers.get(0)));
                }
                Fixtures.publishReceipts(producer, thousand);
                await().atMost(Duration.ofSeconds(60)).until(() -> latest(providers.get(0)).receipts() >= coveredBefore + 1_000);
                VoucherView v = latest(providers.get(0));
                Redemption r = devnet.escrow().redeem(devnet.account(5), v.voucher());
                lastRedeem.put(0, r);
                long covered = v.receipts() - coveredBefore;
                System.out.printf("GAS: redeem of a voucher adding %d receipts: %s gas = %.1f gas per receipt%n", covered,
                        r.receipt().gasUsed(), r.receipt().gasUsed().doubleValue() / covered);
                assertThat(covered).isEqualTo(1_000);
                await().atMost(Duration.ofSeconds(60)).until(() -> count(sql, "SELECT count(*) FROM pairs WHERE redeemed <> rated") == 0);

                // 7. every receipt's proof verifies against the root in its pair's last redeem event
                List<UsageReceipt> all = new ArrayList<>(measured);
                all.addAll(faulted);
                all.addAll(thousand);
                List<String> tokens = developers.stream().map(d -> Wallet.of(d.key()).signIn()).toList();
                long proofStart = System.nanoTime();
                for (UsageReceipt receipt : all) {
                    int i = leases.stream().map(LeaseView::id).toList().indexOf(receipt.leaseId());
                    JsonPath proof = given().auth().oauth2(tokens.get(i)).get("/api/v1/receipts/" + receipt.invocationId() + "/proof")
                            .then().statusCode(200).extract().jsonPath();
                    List<byte[]> path = proof.getList("proof", String.class).stream().map(Numeric::hexStringToByteArray).toList();
                    assertThat(ReceiptMerkleTree.verify(path, lastRedeem.get(i).receiptsRoot().toBytes(), receipt.hash()))
                            .as("proof of %s", receipt.invocationId()).isTrue();
                }
                System.out.printf("PROOFS: %d verified over HTTP in %.1f s%n", all.size(), (System.nanoTime() - proofStart) / 1e9);
                billing.stop();
            }
        }
    }

    @Test
    void billingRefusesToStartWithoutATrustedGateway() throws Exception {
        PostgresServer.Database db = PostgresServer.newDatabase();
        Path log = Path.of("target/billing-no-gateway.log");
        Files.deleteIfExists(log);
        Map<String, String> env = Map.of(
                "QUARKUS_HTTP_PORT", Integer.toString(KafkaBroker.freePort()),
                "QUARKUS_DATASOURCE_JDBC_URL", db.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", db.user(),
                "QUARKUS_DATASOURCE_PASSWORD", db.password(),
                "KAFKA_BOOTSTRAP_SERVERS", KafkaBroker.bootstrapServers(),
                "AGORA_AUTH_SECRET", "billing-it-secret-0123456789abcdef0123");
        try (BillingProcess billing = new BillingProcess(env, log)) {
            assertThatThrownBy(billing::start).hasMessageContaining("billing exited");
        }
        assertThat(Files.readString(log)).contains("agora.billing.gateways (AGORA_BILLING_GATEWAYS) is empty");
    }

    static VoucherView latest(Wallet provider) {
        String token = provider.signIn();
        String json = given().auth().oauth2(token).get("/api/v1/vouchers?provider=" + provider.address()).then().statusCode(200)
                .extract().asString();
        List<VoucherView> vouchers = JsonCodec.read(json, new TypeReference<List<VoucherView>>() {
        });
        return vouchers.isEmpty() ? new VoucherView(0, null, 0, Instant.EPOCH, false) : vouchers.get(0);
    }

    /** The gateway's copy (granted, witnessed, within bounds): what billing rates. */
    static UsageReceipt receipt(LeaseView lease, Wallet provider) {
        return receipt(lease, provider, UUID.randomUUID());
    }

    /** The receipt of call {@code id} (the gateway's invocation id) on {@code lease}, witnessed. */
    static UsageReceipt receipt(LeaseView lease, Wallet provider, UUID id) {
        Instant start = Instant.now().minusSeconds(30);
        return Fixtures.witnessed(UsageReceipt.unsigned(id, lease.id(), lease.provider(), lease.owner(), 12_345_678L,
                64L * 1024 * 1024, 150, 100, 200, start, start.plusMillis(150), Fixtures.grant(id, lease, start))
                .signedByProvider(provider.key()));
    }

    static List<UsageReceipt> receipts(int count, List<LeaseView> leases, List<Wallet> providers) {
        return IntStream.range(0, count).parallel().mapToObj(i -> receipt(leases.get(i % PROVIDERS), providers.get(i % PROVIDERS)))
                .toList();
    }

    static void awaitCount(Connection sql, String query, long atLeast, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> count(sql, query) >= atLeast);
    }

    static long count(Connection sql, String query) throws Exception {
        return number(sql, query).longValueExact();
    }

    static BigInteger number(Connection sql, String query) throws Exception {
        try (PreparedStatement s = sql.prepareStatement(query); ResultSet r = s.executeQuery()) {
            r.next();
            BigDecimal value = r.getBigDecimal(1);
            return value == null ? BigInteger.ZERO : value.toBigIntegerExact();
        }
    }
}
