package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.invocation.SpendingBudget;
import cloud.agora.functions.persistence.CreditStore;
import cloud.agora.protocol.billing.BillingEvents;
import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.TopicReader;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Async invocations through the real Kafka queue and PostgreSQL (stand-in agents), billing's
 * credit decisions consumed from billing.credit.v1, and the per-caller rate limit.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
@QuarkusTestResource(value = EventKeys.class, initArgs = @ResourceArg(name = "service", value = "functions"))
class AsyncAndAdmissionTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    CreditStore credits;
    @Inject
    Clock clock;
    @Inject
    Vertx vertx;
    @Inject
    FunctionsConfig config;

    Developer dev;
    String name;
    AgentStub agent;

    @BeforeEach
    void publish() throws Exception {
        dev = Developer.signedIn();
        name = "async-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        agent = new AgentStub();
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    void deploy(String endpoint) {
        dev.deployOn(name, endpoint);
    }

    String submit(String body) {
        Response response = given().body(body).when().post("/api/v1/functions/" + name + "/invocations");
        response.then().statusCode(202).body("status", equalTo("QUEUED"));
        String id = response.path("id");
        assertThat(response.header("Location")).endsWith("/api/v1/invocations/" + id);
        String capability = response.path("capability");
        assertThat(capability).matches("[A-Za-z0-9_-]{43}");
        capabilities.put(id, capability);
        return id;
    }

    /** The capability returned with each submission, by id. */
    final Map<String, String> capabilities = new java.util.concurrent.ConcurrentHashMap<>();

    JsonPath awaitEnd(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath state = given().header("Agora-Capability", capabilities.get(id)).when().get("/api/v1/invocations/" + id)
                    .then().statusCode(200).extract().jsonPath();
            String status = state.getString("status");
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                return state;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("invocation " + id + " did not end");
    }

    @Test
    void anAsyncCallRunsOnceUnderItsIdAndItsResultIsReadable() throws Exception {
        deploy(agent.endpoint());
        String id = submit("world");
        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(new String(Base64.getDecoder().decode(done.getString("result.body")), StandardCharsets.UTF_8))
                .isEqualTo("hello world");
        assertThat(done.getString("result.provider")).isEqualTo(agent.provider.address().checksummed());
        assertThat(agent.calls).hasSize(1);
        assertThat(agent.calls.get(0).path("invocationId").asText()).isEqualTo(id);
        // the queue record is consumed once: a call queued behind it has run, and the first still ran once
        assertThat(awaitEnd(submit("again")).getString("status")).isEqualTo("SUCCEEDED");
        assertThat(agent.calls).hasSize(2);
        assertThat(agent.calls.stream().filter(c -> c.path("invocationId").asText().equals(id))).hasSize(1);
    }

    @Test
    void aFunctionErrorEndsFailedWithoutARetry() throws Exception {
        deploy(agent.endpoint());
        JsonPath done = awaitEnd(submit("fail"));
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getInt("attempts")).isEqualTo(1);
        assertThat(done.getString("error.type")).isEqualTo("urn:agora:problem:function-failed");
        assertThat(agent.calls).hasSize(1);
    }

    @Test
    void aCallThatCannotStartIsRetriedThenDeadLettered() throws Exception {
        deploy(AgentStub.dead());
        String id = submit("x");
        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("DEAD_LETTERED");
        assertThat(done.getInt("attempts")).isEqualTo(3);
        assertThat(done.getString("error.type")).isEqualTo("urn:agora:problem:no-replica-reachable");
        var letters = TopicReader.readUntil(Topics.FUNCTIONS_DEAD_LETTERS, rs -> rs.stream().anyMatch(r -> r.key().equals(id)),
                Duration.ofSeconds(20));
        assertThat(letters).anyMatch(r -> r.key().equals(id) && r.value().contains("InvocationDeadLettered"));
    }

    @Test
    void asyncForAnUnknownOrUndeployedFunctionIsAProblemAndQueuesNothing() {
        List<Long> before = Rows.counts(dataSource);
        given().body("x").when().post("/api/v1/functions/no-such-fn/invocations").then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:function-not-found"));
        given().body("x").when().post("/api/v1/functions/" + name + "/invocations").then().statusCode(409)
                .body("type", equalTo("urn:agora:problem:function-not-deployed"));
        given().when().get("/api/v1/invocations/" + UUID.randomUUID()).then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:invocation-not-found"));
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
    }

    @Test
    void aPausedDevelopersFunctionAnswers402UntilCreditIsRestored() throws Exception {
        deploy(agent.endpoint());
        given().body("a").when().post("/fn/" + name + "/x").then().statusCode(200);
        credit(BillingEvents.CREDIT_EXHAUSTED, true);
        awaitStatus(402);
        int reached = agent.calls.size();
        given().body("b").when().post("/fn/" + name + "/x").then().statusCode(402)
                .body("type", equalTo("urn:agora:problem:credit-exhausted"));
        given().body("b").when().post("/api/v1/functions/" + name + "/invocations").then().statusCode(402);
        assertThat(agent.calls).hasSize(reached);
        credit(BillingEvents.CREDIT_RESTORED, false);
        awaitStatus(200);
        assertThat(agent.calls).hasSize(reached + 1);
    }

    @Test
    void aCallerOverItsRateGets429WithRetryAfterWhileOthersPass() throws Exception {
        Developer greedy = Developer.signedIn();
        // burst 40, 20/s in tests: 150 calls from 16 threads go over it
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        List<java.util.concurrent.Future<Response>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            calls.add(pool.submit(() -> given().auth().oauth2(greedy.token).when().get("/fn/no-such-fn/x")));
        }
        int limited = 0;
        String retryAfter = null;
        for (var call : calls) {
            Response r = call.get();
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.header("Retry-After");
                assertThat(r.<String>path("type")).isEqualTo("urn:agora:problem:rate-limited");
            } else {
                assertThat(r.statusCode()).isEqualTo(404);
            }
        }
        pool.shutdown();
        assertThat(limited).isGreaterThan(0);
        assertThat(Integer.parseInt(retryAfter)).isPositive();
        // another caller has its own bucket
        given().auth().oauth2(dev.token).when().get("/fn/no-such-fn/x").then().statusCode(404);
    }

    void awaitStatus(int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (given().body("probe").when().post("/fn/" + name + "/x").statusCode() == status) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("never answered " + status);
    }

    /**
     * A CreditRestored written to billing's topic by anyone but billing — unsigned, signed by a stranger, signed by
     * another service's event key — resumes nothing: each is quarantined with its reason, the paused developer's calls
     * still get 402 and reach no agent, and billing's own CreditRestored sent after them resumes the calls.
     */
    @Test
    void aCreditRestoredBillingDidNotSignResumesNothingAndIsQuarantined() throws Exception {
        deploy(agent.endpoint());
        given().body("a").when().post("/fn/" + name + "/x").then().statusCode(200);
        credit(BillingEvents.CREDIT_EXHAUSTED, true);
        awaitStatus(402);
        int reached = agent.calls.size();

        String restored = creditRecord(BillingEvents.CREDIT_RESTORED, false);
        String key = Address.parse(dev.address()).value();
        send(new ProducerRecord<>(BillingEvents.CREDIT_TOPIC, key, restored));
        send(EventKeys.signedBy(Wallet.random().key(), BillingEvents.CREDIT_TOPIC, key, restored));
        send(EventKeys.signedBy(EventKeys.of("marketplace"), BillingEvents.CREDIT_TOPIC, key, restored));
        List<ConsumerRecord<String, String>> quarantined = TopicReader.readUntil(Topics.QUARANTINE,
                records -> records.stream().filter(r -> r.value().equals(restored)).count() >= 3, Duration.ofSeconds(30));
        assertThat(quarantined.stream().filter(r -> r.value().equals(restored))
                .map(r -> new String(r.headers().lastHeader(SignedEvents.REASON).value(), StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder("unsigned", "not-signed-by-producer", "not-signed-by-producer");

        given().body("b").when().post("/fn/" + name + "/x").then().statusCode(402);
        assertThat(agent.calls).hasSize(reached);

        credit(BillingEvents.CREDIT_RESTORED, false);
        awaitStatus(200);
    }

    /** The most a call of a function with a 1 s timeout, 250 millicores and 128 MiB can cost at the test's prices. */
    static final BigInteger MAX_CHARGE = ReceiptBounds.maxCharge(new Prices(Wei.of(5_000), Wei.of(5_000), Wei.of(50),
            Wei.ZERO), 1_000, 250, 128);

    static CreditView spendable(Address developer, BigInteger spendable) {
        return new CreditView(developer, new Wei(spendable), Wei.ZERO, new Wei(spendable), Wei.ZERO, spendable, Wei.ZERO,
                false, null);
    }

    BigInteger claimed(Address developer) throws Exception {
        try (var c = dataSource.getConnection(); var s = c.prepareStatement(
                "SELECT coalesce(sum(amount), 0) FROM spending_claims WHERE address = ?")) {
            s.setString(1, developer.value().toLowerCase(java.util.Locale.ROOT));
            try (var r = s.executeQuery()) {
                r.next();
                return r.getBigDecimal(1).toBigIntegerExact();
            }
        }
    }

    /**
     * A developer with credit for three calls' maximum charge (and a half) tries a fourth: it is refused with 402
     * before any grant, so no agent runs it and no receipt can charge it; the claims on the credit never pass it.
     * Billing's next review, after a deposit, lets calls through again.
     */
    @Test
    void aCallTheOwnersCreditCannotCoverIsRefusedBeforeAnyGrantAndReachesNoAgent() throws Exception {
        Address me = Address.parse(dev.address());
        name = "budget-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> spec = Developer.spec(name);
        spec.putAll(Map.of("timeoutMillis", 1_000, "cpuMillis", 250, "memoryMiB", 128));
        dev.publish(spec, Bundles.echo()).statusCode(201);
        BigInteger credit = MAX_CHARGE.multiply(BigInteger.valueOf(3)).add(MAX_CHARGE.divide(BigInteger.TWO));
        BillingStub.CREDIT.put(me.value().toLowerCase(java.util.Locale.ROOT), spendable(me, credit));
        try {
            deploy(agent.endpoint());
        } finally {
            BillingStub.CREDIT.remove(me.value().toLowerCase(java.util.Locale.ROOT));
        }
        for (int i = 0; i < 3; i++) {
            given().body("b").when().post("/fn/" + name + "/x").then().statusCode(200);
        }
        given().body("b").when().post("/fn/" + name + "/x").then().statusCode(402)
                .body("type", equalTo("urn:agora:problem:credit-exhausted"))
                .body("spendableWei", equalTo(credit.toString()))
                .body("heldWei", equalTo(MAX_CHARGE.multiply(BigInteger.valueOf(3)).toString()))
                .body("maxChargeWei", equalTo(MAX_CHARGE.toString()));
        assertThat(agent.calls).hasSize(3);
        assertThat(claimed(me)).isLessThanOrEqualTo(credit);

        // a deposit: billing's next review reports ten calls' worth; the three granted still count until rated
        EventEnvelope<CreditView> review = EventEnvelope.of(BillingEvents.CREDIT_REVIEWED, BillingEvents.SOURCE,
                Instant.now(), me.value(), spendable(me, MAX_CHARGE.multiply(BigInteger.TEN)));
        send(EventKeys.signed(BillingEvents.CREDIT_TOPIC, me.value(), JsonCodec.write(review)));
        awaitStatus(200);
        assertThat(claimed(me)).isLessThanOrEqualTo(MAX_CHARGE.multiply(BigInteger.TEN));
    }

    /**
     * Two gateway instances sharing the database race for one developer's credit, worth 100 calls: between them they
     * grant at most 100, and their claims never add up to more than the credit.
     */
    @Test
    void twoGatewayInstancesSharingTheDatabaseNeverGrantMoreThanTheCreditBetweenThem() throws Exception {
        Address owner = Wallet.random().address();
        String key = owner.value().toLowerCase(java.util.Locale.ROOT);
        BigInteger perCall = BigInteger.valueOf(1_000);
        BigInteger credit = perCall.multiply(BigInteger.valueOf(100));
        credits.decide(key, false, Instant.now(), "review-" + UUID.randomUUID(), credit);
        List<SpendingBudget> instances = List.of(new SpendingBudget(credits, clock, vertx, config),
                new SpendingBudget(credits, clock, vertx, config));
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                SpendingBudget instance = instances.get(t % 2);
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 60; i++) {
                        try {
                            instance.reserve("race", key, perCall).toCompletableFuture().join();
                            granted.incrementAndGet();
                        } catch (java.util.concurrent.CompletionException e) {
                            assertThat(e.getCause()).isInstanceOf(SpendingBudget.CreditCommittedException.class);
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }
        // what one instance holds unused in its share is not granted by the other: a little less than 100 may pass
        assertThat(granted.get()).isBetween(100 - 2 * (100 / 16 + 1), 100);
        assertThat(granted.get() + refused.get()).isEqualTo(240);
        assertThat(claimed(owner)).isLessThanOrEqualTo(credit);
    }

    /** A developer billing has reported no spendable figure for gets no call granted. */
    @Test
    void withoutASpendableFigureNothingIsGranted() {
        SpendingBudget budget = new SpendingBudget(credits, clock, vertx, config);
        String stranger = Wallet.random().address().value();
        java.util.concurrent.CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> budget.reserve("f", stranger, BigInteger.ONE).toCompletableFuture().join());
        assertThat(refused.getCause()).isInstanceOf(SpendingBudget.CreditCommittedException.class)
                .hasMessageContaining("has not reported");
    }

    void credit(String type, boolean paused) {
        Address me = Address.parse(dev.address());
        send(EventKeys.signed(BillingEvents.CREDIT_TOPIC, me.value(), creditRecord(type, paused)));
    }

    String creditRecord(String type, boolean paused) {
        Address me = Address.parse(dev.address());
        EventEnvelope<CreditView> event = EventEnvelope.of(type, BillingEvents.SOURCE, Instant.now(), me.value(),
                paused ? new CreditView(me, Wei.of(0), Wei.ZERO, Wei.ZERO, Wei.of(100), java.math.BigInteger.valueOf(-100),
                        Wei.of(10), true, CreditView.BELOW_FLOOR)
                        : new CreditView(me, Wei.of(1_000_000_000L), Wei.ZERO, Wei.of(1_000_000_000L), Wei.ZERO,
                                java.math.BigInteger.valueOf(1_000_000_000L), Wei.of(10), false, null));
        return JsonCodec.write(event);
    }

    static void send(ProducerRecord<String, String> record) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(record);
            producer.flush();
        }
    }
}
