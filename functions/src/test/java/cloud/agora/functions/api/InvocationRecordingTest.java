package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.functions.domain.invocation.Agents;
import cloud.agora.functions.domain.invocation.GrantIssuer;
import cloud.agora.functions.domain.invocation.InvocationRouter;
import cloud.agora.functions.domain.recording.CallRecording;
import cloud.agora.functions.domain.recording.InvocationRecord;
import cloud.agora.functions.domain.recording.InvocationRecorder;
import cloud.agora.functions.domain.recording.ReceiptWitness;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.functions.persistence.ReactivePostgres;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.support.outbox.OutboxRelay;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway does with each answered call: env to the agent, the receipt checked and witnessed in the gateway's
 * batch for the recording transaction, usage and stderr recorded for the owner (stand-in agents that sign real
 * receipts; real PostgreSQL and Kafka).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class InvocationRecordingTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    InvocationRouter router;

    @Inject
    InvocationStore store;

    @Inject
    ReceiptWitness witness;

    @Inject
    OutboxRelay relay;

    @Inject
    FunctionsConfig config;

    @Inject
    GrantIssuer grants;

    @Inject
    MeterRegistry meters;

    @Inject
    Clock clock;

    @TestHTTPResource("/")
    URL base;

    Developer dev;
    String name;
    AgentStub agent;

    @BeforeEach
    void deploy() throws Exception {
        dev = Developer.signedIn();
        name = "rec-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> spec = Developer.spec(name);
        spec.put("env", List.of(Map.of("name", "GREETING", "value", "hi", "secret", false),
                Map.of("name", "API_KEY", "value", "s3cret-value", "secret", true)));
        dev.publish(spec, Bundles.echo()).statusCode(201);
        agent = new AgentStub();
        dev.deployOn(name, agent.endpoint());
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    String call(String body, int status) {
        return given().body(body).when().post("/fn/" + name + "/x").then().statusCode(status).extract()
                .header("Agora-Invocation-Id");
    }

    @Test
    void theAgentGetsTheFunctionsEnvWithSecretsOpened() {
        call("world", 200);
        JsonNode env = agent.calls.get(0).path("env");
        assertThat(env.path("GREETING").asText()).isEqualTo("hi");
        assertThat(env.path("API_KEY").asText()).isEqualTo("s3cret-value");
        assertThat(env.size()).isEqualTo(2);
    }

    /**
     * The answer waits for the call's record and the gateway's witness of its receipt: while the database holds the
     * recording back the caller has no answer, and when the answer arrives both are committed, so a gateway SIGKILLed
     * after answering leaves every answered call billable.
     */
    @Test
    void theAnswerGoesOutOnlyOnceTheCallAndItsWitnessAreCommitted() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "fn/" + name + "/x"))
                .POST(HttpRequest.BodyPublishers.ofString("held")).build();
        AtomicLong recordedWhenAnswered = new AtomicLong(-1);
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE invocations IN EXCLUSIVE MODE"); // reads pass, the recording's insert waits
            }
            CompletableFuture<HttpResponse<String>> answer = HttpClient.newHttpClient()
                    .sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
                        // the moment the caller has the answer: is its call recorded?
                        recordedWhenAnswered.set(recorded(r.headers().firstValue("Agora-Invocation-Id").orElseThrow()));
                        return r;
                    });
            Instant deadline = Instant.now().plusSeconds(30);
            while (!recordingWaitsForTheLock()) {
                assertThat(Instant.now()).as("the recording waiting for the lock").isBefore(deadline);
                Thread.sleep(20);
            }
            assertThat(answer).as("no answer while its recording waits").isNotDone();
            assertThat(waitingAloneRecordings()).as("a call answered alone is recorded by the event loop's own client")
                    .isEqualTo(1);
            holder.rollback();
            HttpResponse<String> response = answer.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello held");
            assertThat(recordedWhenAnswered.get()).as("the call's row when the answer arrived").isEqualTo(1);
            UsageReceipt receipt = agent.receipts.get(UUID.fromString(response.headers().firstValue("Agora-Invocation-Id")
                    .orElseThrow()));
            WitnessRecords.assertSignedByTheGateway(WitnessRecords.witnessing(
                    WitnessRecords.readUntilWitnessed(List.of(receipt)), receipt));
        }
    }

    private long recorded(String invocationId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM invocations WHERE id = ?")) {
            s.setObject(1, UUID.fromString(invocationId));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long waitingAloneRecordings() throws java.sql.SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("SELECT count(*) FROM"
                + " pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO invocations%'"
                + " AND application_name = ?")) {
            s.setString(1, ReactivePostgres.APPLICATION_NAME);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private boolean recordingWaitsForTheLock() throws java.sql.SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        + " AND query ILIKE '%INSERT INTO invocations%'")) {
            r.next();
            return r.getLong(1) > 0;
        }
    }

    @Test
    void aVerifiedReceiptIsWitnessedInABatchSignedByTheGateway() throws Exception {
        String id = call("world", 200);
        UsageReceipt receipt = agent.receipts.get(UUID.fromString(id));
        List<WitnessRecords.Witnessed> batches = WitnessRecords.readUntilWitnessed(List.of(receipt));
        WitnessRecords.assertSignedByTheGateway(WitnessRecords.witnessing(batches, receipt));
        // what is witnessed is the provider's receipt naming the very grant the gateway sent with the call
        receipt.verifyProviderSignature();
        assertThat(receipt.provider()).isEqualTo(agent.provider.address());
        assertThat(receipt.grant().hashHex()).isEqualTo(agent.grants.get(0).hashHex());
        assertThat(receipt.grant().signer()).isEqualTo(GatewayKeyResource.address());
        // the gateway keeps the receipt as the agent returned it, with no counter-signature
        assertThat(receipt.gatewaySignature()).isNull();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT receipt_status, receipt_json FROM invocations WHERE id = ?")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo("FORWARDED");
                assertThat(JsonCodec.read(r.getString(2), UsageReceipt.class)).isEqualTo(receipt);
            }
        }
    }

    @Test
    void callsRecordedInOneTransactionShareOneWitnessBatch() {
        InvocationRouter.Target target = router.target(name, 0);
        Deployment.Replica replica = target.deployment().placed().get(0);
        // this recorder waits a minute for more answers, so what is queued before the flush is one transaction
        InvocationRecorder recorder = new InvocationRecorder(store, witness, relay, lingering(Duration.ofMinutes(1)), clock,
                meters);
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            receipts.add(answer(recorder, target, replica));
        }
        recorder.awaitRecorded();
        List<WitnessRecords.Witnessed> batches = WitnessRecords.readUntilWitnessed(receipts);
        WitnessRecords.Witnessed shared = WitnessRecords.witnessing(batches, receipts.get(0));
        assertThat(receipts).allSatisfy(r -> assertThat(WitnessRecords.witnessing(batches, r)).isSameAs(shared));
        assertThat(shared.batch().receiptHashes()).containsExactlyInAnyOrderElementsOf(
                receipts.stream().map(UsageReceipt::hashHex).toList());
        WitnessRecords.assertSignedByTheGateway(shared);
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(5))
                .body("suspectReceipts", equalTo(0));
    }

    /**
     * A call recorded alone is one statement that adds its log lines and its witness only with its own row: recorded
     * again (a retry after a lost answer from the database), it adds neither, though a witness was signed for it.
     */
    @Test
    void aCallRecordedAgainAddsNoSecondWitnessAndNoLogLines() throws Exception {
        InvocationRouter.Target target = router.target(name, 0);
        Deployment.Replica replica = target.deployment().placed().get(0);
        InvocationRecorder recorder = new InvocationRecorder(store, witness, relay, config, clock, meters);
        UsageReceipt first = answer(recorder, target, replica);
        recorder.awaitRecorded();
        InvocationRecord again = new InvocationRecord(first.invocationId(), target.function().id(),
                target.version().version(), replica.provider(), replica.leaseId(), "OK", 0, first.cpuNanos(),
                first.memoryMibMillis(), first.wallMillis(), first.bytesIn(), first.bytesOut(), java.math.BigInteger.ONE,
                InvocationRecord.ReceiptStatus.FORWARDED, null, clock.instant());
        List<String> signed = new ArrayList<>();
        boolean appended = store.record(List.of(new CallRecording(again, JsonCodec.write(first),
                List.of("a line", "another line"), first.hash())), hashes -> witness.sign(hashes).stream()
                        .<EventEnvelope<?>>map(batch -> {
                            signed.add(batch.attestation().root());
                            return new EventEnvelope<>(batch.attestation().root(), InvocationRecorder.WITNESS_TYPE,
                                    InvocationRecorder.SOURCE, clock.instant(), batch.attestation().signer().value(), batch);
                        }).toList());
        assertThat(appended).as("nothing appended to the outbox").isFalse();
        assertThat(signed).as("the witness was signed before the statement").hasSize(1);
        // a later call's witness: the relay publishes in order, so a second witness of the first would be read before it
        UsageReceipt later = answer(recorder, target, replica);
        recorder.awaitRecorded();
        List<WitnessRecords.Witnessed> batches = WitnessRecords.readUntilWitnessed(List.of(first, later));
        WitnessRecords.witnessing(batches, first); // exactly one batch names it (a second would have the same root)
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT (SELECT count(*) FROM invocations WHERE id = ?),"
                        + " (SELECT count(*) FROM function_logs WHERE invocation_id = ?)")) {
            s.setObject(1, first.invocationId());
            s.setObject(2, first.invocationId());
            try (ResultSet r = s.executeQuery()) {
                r.next();
                assertThat(r.getLong(1)).as("one row").isEqualTo(1);
                assertThat(r.getLong(2)).as("no log lines from the second recording").isZero();
            }
        }
    }

    @Test
    void answeredCallsKeepTheirWitnessWhileTheDatabaseIsAway() throws Exception {
        InvocationRouter.Target target = router.target(name, 0);
        Deployment.Replica replica = target.deployment().placed().get(0);
        String trigger = "away_" + name.replace('-', '_');
        // PostgreSQL answers this function's recordings as a server that is starting up does (57P03), counting each try
        // in a sequence (which a rollback does not undo)
        awayFor(trigger, target);
        InvocationRecorder recorder = new InvocationRecorder(store, witness, relay, lingering(Duration.ofMillis(5)), clock,
                meters);
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            receipts.add(answer(recorder, target, replica));
        }
        // the recorder tries again and again (a batch, then each call alone: 4 tries at least), and records nothing
        awaitTries(trigger, target, 6);
        backAndWitnessed(trigger, recorder, receipts);
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(3));
    }

    /**
     * A call recorded alone whose statement fails (the database away) is not lost: the recorder's thread records it,
     * waiting the database out, with one witness, and the calls after it go to that thread meanwhile.
     */
    @Test
    void aCallThatFailsToBeRecordedAloneIsRecordedByTheWorkerOnceTheDatabaseIsBack() throws Exception {
        InvocationRouter.Target target = router.target(name, 0);
        Deployment.Replica replica = target.deployment().placed().get(0);
        String trigger = "alone_" + name.replace('-', '_');
        awayFor(trigger, target);
        InvocationRecorder recorder = new InvocationRecorder(store, witness, relay, config, clock, meters);
        List<UsageReceipt> receipts = new ArrayList<>();
        receipts.add(answer(recorder, target, replica)); // alone: fails, then the worker's turn
        receipts.add(answer(recorder, target, replica)); // the worker's: the first is in flight or failed
        awaitTries(trigger, target, 3);
        assertThat(triesAlone(trigger)).as("the first call was tried alone, once").isEqualTo(1);
        backAndWitnessed(trigger, recorder, receipts);
        assertThat(recordedCalls(target)).isEqualTo(2);
    }

    /** Waits until the recorder's thread tried {@code tries} recordings of {@code target}'s calls, none recorded. */
    private void awaitTries(String trigger, InvocationRouter.Target target, long tries) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tries(trigger) < tries) {
            assertThat(System.nanoTime()).as("the recorder's thread trying again").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(recordedCalls(target)).as("nothing recorded while the database is away").isZero();
    }

    /** Brings the database back for the trigger's function; every receipt is then witnessed by the gateway. */
    private void backAndWitnessed(String trigger, InvocationRecorder recorder, List<UsageReceipt> receipts)
            throws Exception {
        try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER " + trigger + " ON invocations");
        }
        recorder.awaitRecorded();
        List<WitnessRecords.Witnessed> batches = WitnessRecords.readUntilWitnessed(receipts);
        assertThat(receipts).allSatisfy(r -> WitnessRecords.assertSignedByTheGateway(WitnessRecords.witnessing(batches, r)));
    }

    /** Makes PostgreSQL answer recordings of {@code target}'s calls as a server starting up does, counting the tries. */
    private void awayFor(String trigger, InvocationRouter.Target target) throws Exception {
        try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE SEQUENCE " + trigger + "_tries");
            s.execute("CREATE SEQUENCE " + trigger + "_alone");
            s.execute("CREATE OR REPLACE FUNCTION " + trigger + "() RETURNS trigger AS $$ BEGIN PERFORM nextval(CASE"
                    + " WHEN current_setting('application_name') = '" + ReactivePostgres.APPLICATION_NAME + "' THEN '"
                    + trigger + "_alone' ELSE '" + trigger + "_tries' END::regclass); RAISE EXCEPTION"
                    + " 'the database system is starting up' USING ERRCODE = '57P03'; END $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER " + trigger + " BEFORE INSERT ON invocations FOR EACH ROW WHEN (NEW.function_id = '"
                    + target.function().id() + "') EXECUTE FUNCTION " + trigger + "()");
        }
    }

    private long recordedCalls(InvocationRouter.Target target) throws Exception {
        try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM invocations WHERE function_id = '" + target.function().id()
                        + "'")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The recordings of the trigger's function tried by the recorder's thread (JDBC). */
    private long tries(String trigger) throws Exception {
        return count(trigger + "_tries");
    }

    /** The recordings of the trigger's function tried alone (the event loop's client). */
    private long triesAlone(String trigger) throws Exception {
        return count(trigger + "_alone");
    }

    private long count(String sequence) throws Exception {
        try (Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT last_value, is_called FROM " + sequence)) {
            r.next();
            return r.getBoolean(2) ? r.getLong(1) : 0;
        }
    }

    /** Queues an answered call on {@code recorder} as the router does: its grant, the agent's receipt, what was seen. */
    UsageReceipt answer(InvocationRecorder recorder, InvocationRouter.Target target, Deployment.Replica replica) {
        UUID id = UUID.randomUUID();
        InvocationGrant grant = grants.issue(id, replica, replica.ownerOr(target.function().owner().checksummed()),
                target.version());
        Instant end = clock.instant();
        UsageReceipt receipt = UsageReceipt.unsigned(id, replica.leaseId(), agent.provider.address(), grant.consumer(),
                AgentStub.CPU_NANOS, AgentStub.PEAK_BYTES, AgentStub.WALL_MILLIS, 1, 7,
                end.minusMillis(AgentStub.WALL_MILLIS), end, grant).signedByProvider(agent.provider.key());
        InvocationReply reply = new InvocationReply(id, InvocationOutcome.OK, 0, "hello x".getBytes(StandardCharsets.UTF_8),
                "", false, true, receipt);
        Resources lease = replica.resourcesOr(new Resources(target.version().cpuMillis(), target.version().memoryMiB(), 0));
        recorder.record(target.function().id(), target.version(), replica, 1, new Agents.AgentReply(reply, () -> receipt),
                new ReceiptWitness.Observation(grant, lease, clock.instant(), AgentStub.WALL_MILLIS + 10));
        return receipt;
    }

    /** The service's configuration with another {@code record-linger}. */
    FunctionsConfig lingering(Duration linger) {
        return (FunctionsConfig) Proxy.newProxyInstance(FunctionsConfig.class.getClassLoader(),
                new Class<?>[] {FunctionsConfig.class},
                (proxy, method, args) -> method.getName().equals("recordLinger") ? linger : method.invoke(config, args));
    }

    @Test
    void aForgedReceiptStillAnswersTheCallButIsRecordedSuspectAndNeverWitnessed() throws Exception {
        String forged = given().body("forged").when().post("/fn/" + name + "/x").then().statusCode(200)
                .body(equalTo("hello forged")).extract().header("Agora-Invocation-Id");
        String good = call("world", 200);
        UsageReceipt goodReceipt = agent.receipts.get(UUID.fromString(good));
        List<WitnessRecords.Witnessed> batches = WitnessRecords.readUntilWitnessed(List.of(goodReceipt));
        WitnessRecords.assertSignedByTheGateway(WitnessRecords.witnessing(batches, goodReceipt));
        UsageReceipt forgedReceipt = agent.receipts.get(UUID.fromString(forged));
        assertThat(batches).noneMatch(w -> w.names(forgedReceipt));
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT receipt_status, receipt_problem, cpu_nanos FROM invocations WHERE id = ?")) {
            s.setObject(1, UUID.fromString(forged));
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo("SUSPECT");
                assertThat(r.getString(2)).contains("not its provider");
                assertThat(r.getLong(3)).isZero();
            }
        }
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(2))
                .body("suspectReceipts", equalTo(1));
    }

    @Test
    void usageSumsTheFunctionsCallsAtTheLeasePricesForItsOwnerOnly() {
        call("a", 200);
        call("b", 200);
        given().body("fail").when().post("/fn/" + name + "/x").then().statusCode(502);
        // per call: 2 ms CPU at 5000 wei/vCPU-s = 10 wei, 10 MiB x 5 ms at 5000 wei/GiB-s = 0.24 wei,
        // floor(10.24) + 50 per invocation = 60 wei
        dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).body("invocations", equalTo(3))
                .body("errors", equalTo(1)).body("cpuSeconds", equalTo(0.006f))
                .body("wallSeconds", equalTo(0.015f)).body("estimatedCostWei", equalTo(180));
        Developer.signedIn().get("/api/v1/functions/" + name + "/usage").statusCode(404)
                .body("type", equalTo("urn:agora:problem:function-not-found"));
        given().when().get("/api/v1/functions/" + name + "/usage").then().statusCode(401);
    }

    @Test
    void logsCarryEveryCallsStderrAndFollowStreamsNewLines() throws Exception {
        String first = call("one", 200);
        given().body("fail").when().post("/fn/" + name + "/x").then().statusCode(502);
        List<JsonNode> all = sse(false, 3, null);
        assertThat(all).extracting(l -> l.path("line").asText()).containsExactly("got one", "got fail", "boom");
        assertThat(all.get(0).path("invocationId").asText()).isEqualTo(first);
        assertThat(all.get(0).path("provider").asText()).isEqualToIgnoringCase(agent.provider.address().value());

        BlockingQueue<JsonNode> followed = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> sse(true, 4, followed));
        reader.setDaemon(true);
        reader.start();
        JsonNode firstSeen = followed.poll(20, TimeUnit.SECONDS);
        assertThat(firstSeen.path("line").asText()).isEqualTo("got one");
        followed.poll(20, TimeUnit.SECONDS);
        followed.poll(20, TimeUnit.SECONDS);
        call("later", 200);
        JsonNode fresh = followed.poll(20, TimeUnit.SECONDS);
        assertThat(fresh).isNotNull();
        assertThat(fresh.path("line").asText()).isEqualTo("got later");
        reader.join(5000);

        Developer.signedIn().get("/api/v1/functions/" + name + "/logs").statusCode(404);
        // no line cap: every line is kept (retention is by time, LogRetentionTest)
        assertThat(sse(false, 10, null)).extracting(l -> l.path("line").asText())
                .containsExactly("got one", "got fail", "boom", "got later");
        dev.get("/api/v1/functions/" + name + "/logs?since=yesterday").statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-since"));
    }

    /**
     * A developer holds at most {@code max-log-streams-per-caller} (2 in tests) followed streams: the next one is a 429
     * problem, and closing one lets a new one in (the server sees the close and ends that stream).
     */
    @Test
    void followedLogStreamsAreBoundedPerDeveloperAndAClosedOneFreesItsPlace() throws Exception {
        List<HttpResponse<java.io.InputStream>> open = new ArrayList<>();
        open.add(follow());
        open.add(follow());
        open.forEach(r -> assertThat(r.statusCode()).isEqualTo(200));
        HttpResponse<java.io.InputStream> refused = follow();
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(JsonCodec.read(new String(refused.body().readAllBytes(), StandardCharsets.UTF_8), JsonNode.class)
                .path("type").asText()).isEqualTo("urn:agora:problem:too-many-log-streams");
        // a stream that ends by itself is not counted
        assertThat(sse(false, 0, null)).isEmpty();

        open.remove(0).body().close();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<java.io.InputStream> again = follow();
        while (again.statusCode() == 429 && System.nanoTime() < deadline) {
            again.body().close();
            Thread.sleep(100);
            again = follow();
        }
        assertThat(again.statusCode()).as("a followed stream after one was closed").isEqualTo(200);
        again.body().close();
        for (HttpResponse<java.io.InputStream> r : open) {
            r.body().close();
        }
    }

    /** Opens a followed log stream and returns as soon as its status and headers arrived. */
    HttpResponse<java.io.InputStream> follow() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "api/v1/functions/" + name + "/logs?follow=true"))
                .header("Authorization", "Bearer " + dev.token).header("Accept", "text/event-stream").build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Reads up to {@code count} SSE data events (into {@code sink} as they come when given). */
    List<JsonNode> sse(boolean follow, int count, BlockingQueue<JsonNode> sink) {
        List<JsonNode> out = new ArrayList<>();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "api/v1/functions/" + name + "/logs?follow=" + follow))
                    .header("Authorization", "Bearer " + dev.token).header("Accept", "text/event-stream").build();
            HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while (out.size() < count && (line = lines.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        JsonNode node = JsonCodec.read(line.substring(5).strip(), JsonNode.class);
                        out.add(node);
                        if (sink != null) {
                            sink.add(node);
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
