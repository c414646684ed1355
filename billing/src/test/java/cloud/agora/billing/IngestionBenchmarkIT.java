package cloud.agora.billing;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import org.apache.kafka.clients.producer.ProducerRecord;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.PostgresServer;
import cloud.agora.testsupport.Wallet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import cloud.agora.protocol.event.Topics;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Ingestion throughput harness (not a timed test: it prints figures and asserts only that every receipt was rated
 * once): the packaged service as a child process with PostgreSQL and Kafka, 3 providers; a first round of
 * {@value #ROUND} receipts into a fresh JVM (cold), then {@value #WARM_ROUNDS} more rounds (warm), each round in one
 * of two forms, interleaved: <b>batches</b> — per provider, batches of {@link #BATCH} receipts as the gateway
 * witnesses them ({@code WitnessBatch}, published first) and as the agent ships them ({@code ReceiptBatch}): one
 * signature check per batch; <b>receipts</b> — every receipt on its own record, counter-signed by the gateway: two
 * signature checks per receipt. The cold round and the even warm rounds are batches, the odd warm rounds receipts
 * ({@code -Dbench.forms=batches} or {@code receipts} for one form only). Each round is timed from the first record
 * sent to the last receipt committed in PostgreSQL; receipts and batches are signed and their records' JSON written
 * before the clock starts (agents and gateways do that on their own machines). Run: {@code mvn -o -q -pl billing verify -Dits -Dit.test=IngestionBenchmarkIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false; grep INGESTION billing/target/failsafe-reports/*IngestionBenchmarkIT-output.txt};
 * {@code -Dbench.jfr=target/jfr} records a JFR CPU profile of the service in that directory (chunk files).
 */
class IngestionBenchmarkIT {

    static final int ROUND = Integer.getInteger("bench.round", 10_000);
    static final int WARM_ROUNDS = Integer.getInteger("bench.warm-rounds", 4);
    static final int BATCH = Integer.getInteger("bench.batch", ReceiptBatch.MAX_RECEIPTS);
    static final String FORMS = System.getProperty("bench.forms", "both");
    /**
     * The invocation ids: {@code random} (version 4, what the gateway issues), {@code ordered} (version 7: time first,
     * so the primary key's inserts land on its rightmost pages) or {@code alternate} (warm rounds take turns, random
     * first) — to see what the gateway's choice of id costs billing.
     */
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

    /** {@code count} witnessed receipts spread over the leases, with random or time-ordered (version 7) ids. */
    static List<UsageReceipt> receipts(int count, List<LeaseView> leases, List<Wallet> providers, boolean ordered) {
        return java.util.stream.IntStream.range(0, count).parallel().mapToObj(i -> EndToEndIT.receipt(
                leases.get(i % EndToEndIT.PROVIDERS), providers.get(i % EndToEndIT.PROVIDERS),
                ordered ? timeOrdered() : java.util.UUID.randomUUID())).toList();
    }

    /** A version 7 UUID: 48 bits of Unix milliseconds, a 12-bit sequence, then 62 random bits. */
    static java.util.UUID timeOrdered() {
        long msb = (System.currentTimeMillis() << 16) | 0x7000L | (SEQUENCE.getAndIncrement() & 0x0FFFL);
        long lsb = (java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new java.util.UUID(msb, lsb);
    }

    static final String IDS = System.getProperty("bench.ids", "random");

    @Test
    void ratesEveryReceiptOnceAndPrintsTheThroughputColdAndWarm() throws Exception {
        PostgresServer.Database db = PostgresServer.newDatabase();
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             java.sql.Statement s = admin.createStatement()) {
            // the embedded server starts with synchronous_commit off (zonky's default); billing's exactly-once and
            // "accepted data survives a crash" need a commit to be durable before the Kafka offset moves, so measure that
            s.execute("ALTER DATABASE " + db.name() + " SET synchronous_commit = on");
        }
        String bootstrap = KafkaBroker.bootstrapServers();
        int port = KafkaBroker.freePort();
        Path log = Path.of("target/billing-bench.log");
        Files.deleteIfExists(log);
        String group = "billing-bench-" + System.nanoTime();
        // the broker is shared with the other ITs of this JVM (EndToEndIT's receipts are on the same topics): the
        // benchmark's consumer group starts at the current end of both topics, so it measures its own receipts only
        startAtTheEnd(bootstrap, group, List.of(Topics.USAGE_RECEIPTS, Topics.MARKETPLACE_LEASES));
        try (KafkaProducer<String, String> producer = Fixtures.producer()) {
            List<Wallet> providers = new ArrayList<>();
            List<LeaseView> leases = new ArrayList<>();
            for (int i = 0; i < EndToEndIT.PROVIDERS; i++) {
                Wallet provider = Wallet.random();
                LeaseView lease = Fixtures.lease(Wallet.random().address(), provider.address());
                Fixtures.publishLease(producer, lease);
                providers.add(provider);
                leases.add(lease);
            }
            Map<String, String> env = new HashMap<>(Map.of(
                    "QUARKUS_HTTP_PORT", Integer.toString(port),
                    "QUARKUS_DATASOURCE_JDBC_URL", db.jdbcUrl(),
                    "QUARKUS_DATASOURCE_USERNAME", db.user(),
                    "QUARKUS_DATASOURCE_PASSWORD", db.password(),
                    "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "AGORA_AUTH_SECRET", "billing-bench-secret-0123456789abcdef0123",
                    "AGORA_BILLING_INGESTION_CONSUMER_GROUP", group));
            env.put("AGORA_BILLING_GATEWAYS", Fixtures.GATEWAY.address().value());
            String jfr = System.getProperty("bench.jfr");
            if (jfr != null) {
                // a CPU profile of the service; it is killed at the end, so read the repository's chunk files:
                // jfr print --events jdk.ExecutionSample <dir>/*/*.jfr
                env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=settings=profile,disk=true"
                        + " -XX:FlightRecorderOptions=repository=" + Path.of(jfr).toAbsolutePath());
            }
            try (BillingProcess billing = new BillingProcess(env, log);
                 Connection sql = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
                billing.start();
                EndToEndIT.awaitCount(sql, "SELECT count(*) FROM leases", EndToEndIT.PROVIDERS, Duration.ofMinutes(1));
                long total = 0;
                for (int round = 0; round <= WARM_ROUNDS; round++) {
                    boolean batches = FORMS.equals("batches") || !FORMS.equals("receipts") && round % 2 == 0;
                    boolean ordered = IDS.equals("ordered") || IDS.equals("alternate") && round > 0 && round % 2 == 0;
                    List<UsageReceipt> receipts = receipts(ROUND, leases, providers, ordered);
                    List<Object> records = batches ? batches(receipts, providers) : new ArrayList<>(receipts);
                    // what agents and gateways write on their own machines: before the clock, in parallel
                    List<ProducerRecord<String, String>> sent = records.parallelStream().map(record -> new ProducerRecord<>(
                            Topics.USAGE_RECEIPTS, record instanceof UsageReceipt r ? r.leaseId().toString() : "batch",
                            record instanceof UsageReceipt r ? Fixtures.envelope(r)
                                    : record instanceof ReceiptBatch b ? Fixtures.envelope(b) : Fixtures.envelope((WitnessBatch) record)))
                            .toList();
                    // the harness's own garbage (this round's records were just built) is collected before the clock,
                    // not by its collector threads during the round, on the cores the service needs
                    System.gc();
                    long started = System.nanoTime();
                    sent.forEach(producer::send);
                    producer.flush();
                    double published = (System.nanoTime() - started) / 1e9;
                    total += ROUND;
                    // usage_totals is written in the transaction that inserts the receipts and has one row per lease:
                    // counting the receipts table itself every 50 ms scans it whole, and at hundreds of thousands of
                    // rows the probe took a core from the service it measures
                    EndToEndIT.awaitCount(sql, "SELECT sum(receipts) FROM usage_totals", total, Duration.ofMinutes(3));
                    double seconds = (System.nanoTime() - started) / 1e9;
                    System.out.printf("INGESTION %s round %d, %s: %d receipts through Kafka into PostgreSQL in %.2f s = %.0f receipts/s"
                                    + " (the test's producer took %.2f s of it)%n", round == 0 ? "cold" : "warm", round,
                            (batches ? "batches of " + BATCH + " (1 check per batch)" : "receipts (2 checks per receipt)")
                                    + (ordered ? ", time-ordered ids" : ""), ROUND,
                            seconds, ROUND / seconds, published);
                }
                assertThat(EndToEndIT.count(sql, "SELECT count(*) FROM receipts")).isEqualTo(total);
                assertThat(EndToEndIT.count(sql, "SELECT sum(receipts) FROM usage_totals")).isEqualTo(total);
                assertThat(EndToEndIT.count(sql, "SELECT count(*) FROM quarantine")).isZero();
            }
        }
    }

    /**
     * The round's receipts as the platform attests them in batches: per provider, chunks of {@link #BATCH}, each as the
     * gateway's witness batch followed by the provider's batch (the gateway witnesses at the call, the agent ships
     * later). The receipts keep the provider signature the gateway checked; billing does not need it.
     */
    private static List<Object> batches(List<UsageReceipt> receipts, List<Wallet> providers) {
        List<Object> records = new ArrayList<>();
        for (Wallet provider : providers) {
            List<UsageReceipt> own = receipts.stream().filter(r -> r.provider().equals(provider.address()))
                    .map(r -> new UsageReceipt(r.invocationId(), r.leaseId(), r.provider(), r.consumer(), r.cpuNanos(),
                            r.peakMemoryBytes(), r.memoryMibMillis(), r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(),
                            r.endedAt(), r.grant(), r.providerSignature(), null))
                    .toList();
            for (int from = 0; from < own.size(); from += BATCH) {
                List<UsageReceipt> chunk = own.subList(from, Math.min(own.size(), from + BATCH));
                records.add(Fixtures.witnessBatch(chunk));
                records.add(ReceiptBatch.sign(chunk, provider.key()));
            }
        }
        return records;
    }

    /** Commits {@code group}'s offsets at the end of every partition of {@code topics} that exists already. */
    private static void startAtTheEnd(String bootstrap, String group, List<String> topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : topics) {
                if (existing.contains(topic)) {
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                            .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                }
            }
            if (latest.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> offsets.put(tp, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets(group, offsets).all().get();
        }
    }
}
