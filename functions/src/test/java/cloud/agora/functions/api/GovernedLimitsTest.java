package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.domain.limits.GovernedLimits;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.FunctionsParameters;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Governance's decisions, published as real {@code ParameterChanged} records on {@code governance.decisions.v1},
 * change what the running gateway accepts: {@code functions.max-body-size} at {@code /fn} and async submission,
 * {@code functions.max-timeout} at publishing, deploying and calling. Each test gives back the test profile's
 * defaults (65536 bytes, PT5M) at its end: other test classes share this application.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(BillingStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class GovernedLimitsTest {

    private static final GovernedLimits DEFAULTS = new GovernedLimits(Duration.ofMinutes(5), 65536, 1048576, Duration.ofDays(7));
    /** The unit governance gives byte counts in. */
    private static final String BYTES = "bytes";
    private static Instant lastEffectiveAt = Instant.EPOCH;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    FunctionRules rules;

    Developer dev;
    String name;
    AgentStub agent;

    @BeforeEach
    void start() throws Exception {
        dev = Developer.signedIn();
        name = "gov-" + UUID.randomUUID().toString().substring(0, 8);
        agent = new AgentStub();
        awaitLimits(DEFAULTS);
    }

    @AfterEach
    void giveBackTheDefaults() {
        agent.close();
        decide(FunctionsParameters.MAX_BODY_SIZE, String.valueOf(DEFAULTS.maxBodyBytes()), BYTES, nextEffectiveAt());
        decide(FunctionsParameters.MAX_TIMEOUT, DEFAULTS.maxTimeout().toString(), ParameterChanged.UNIT_DURATION,
                nextEffectiveAt());
        awaitLimits(DEFAULTS);
    }

    @Test
    void aLoweredMaxBodySizeRefusesABodyAcceptedBeforeWith413AndRecordsNothing() {
        publishAndDeploy(Developer.spec(name));
        byte[] body = filled(60_000);
        call(body).then().statusCode(200);

        decide(FunctionsParameters.MAX_BODY_SIZE, "50000", BYTES, nextEffectiveAt());
        awaitLimits(new GovernedLimits(DEFAULTS.maxTimeout(), 50_000, DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));

        int reached = agent.calls.size();
        List<Long> before = traces();
        call(body).then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:invocation-too-large")).body("maxBytes", equalTo(50_000))
                .body("detail", containsString(FunctionsParameters.MAX_BODY_SIZE));
        given().body(body).when().post("/api/v1/functions/" + name + "/invocations").then().statusCode(413)
                .body("type", equalTo("urn:agora:problem:invocation-too-large"));
        assertThat(traces()).isEqualTo(before);
        assertThat(agent.calls).hasSize(reached);

        call(filled(50_000)).then().statusCode(200);
    }

    @Test
    void aRaisedMaxBodySizeLetsALargerCallAndItsAnswerThrough() {
        publishAndDeploy(Developer.spec(name));
        byte[] body = filled(800_000);
        call(body).then().statusCode(413).body("type", equalTo("urn:agora:problem:invocation-too-large"));

        decide(FunctionsParameters.MAX_BODY_SIZE, "1048576", BYTES, nextEffectiveAt());
        awaitLimits(new GovernedLimits(DEFAULTS.maxTimeout(), 1_048_576, DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));

        // the echo's answer (base64 output and stderr, ~1.9 MB) is beyond what the gateway reads at the default limit
        byte[] answer = call(body).then().statusCode(200).extract().asByteArray();
        assertThat(answer).hasSize("hello ".length() + body.length);
    }

    @Test
    void aLoweredMaxTimeoutRefusesAVersionAcceptedBeforeAndRaisingItBackAcceptsItAgain() {
        Map<String, Object> twoMinutes = Developer.spec(name);
        twoMinutes.put("timeoutMillis", 120_000);
        publishAndDeploy(twoMinutes);
        call(filled(10)).then().statusCode(200);

        decide(FunctionsParameters.MAX_TIMEOUT, "PT1M", ParameterChanged.UNIT_DURATION, nextEffectiveAt());
        awaitLimits(new GovernedLimits(Duration.ofMinutes(1), DEFAULTS.maxBodyBytes(), DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));

        int reached = agent.calls.size();
        List<Long> before = traces();
        call(filled(10)).then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:invalid-function-spec")).body("maxTimeoutMillis", equalTo(60_000))
                .body("detail", containsString(FunctionsParameters.MAX_TIMEOUT));
        given().body("x").when().post("/api/v1/functions/" + name + "/invocations").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-function-spec"));
        dev.post("/api/v1/functions/" + name + "/deployments", new HashMap<>(Map.of("replicas", 1, "maxPrices",
                DeploymentTest.MAX))).statusCode(400).body("type", equalTo("urn:agora:problem:invalid-function-spec"));
        dev.publish(twoMinutes, Bundles.echo()).statusCode(400).body("type", equalTo("urn:agora:problem:invalid-function-spec"))
                .body("detail", containsString("timeoutMillis must be between 100 and 60000"));
        assertThat(traces()).isEqualTo(before);
        assertThat(agent.calls).hasSize(reached);

        decide(FunctionsParameters.MAX_TIMEOUT, "PT5M", ParameterChanged.UNIT_DURATION, nextEffectiveAt());
        awaitLimits(DEFAULTS);
        call(filled(10)).then().statusCode(200);
        assertThat(agent.calls).hasSize(reached + 1);
    }

    @Test
    void aMaxTimeoutRaisedAboveFiveMinutesIsTheOneAppliedAndAShorterOneIsTheDefaultTimeout() {
        Map<String, Object> tenMinutes = Developer.spec(name);
        tenMinutes.put("timeoutMillis", 600_000);
        dev.publish(tenMinutes, Bundles.echo()).statusCode(400).body("type", equalTo("urn:agora:problem:invalid-function-spec"));

        decide(FunctionsParameters.MAX_TIMEOUT, "PT10M", ParameterChanged.UNIT_DURATION, nextEffectiveAt());
        awaitLimits(new GovernedLimits(Duration.ofMinutes(10), DEFAULTS.maxBodyBytes(), DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));
        dev.publish(tenMinutes, Bundles.echo()).statusCode(201).body("timeoutMillis", equalTo(600_000));

        decide(FunctionsParameters.MAX_TIMEOUT, "PT2S", ParameterChanged.UNIT_DURATION, nextEffectiveAt());
        awaitLimits(new GovernedLimits(Duration.ofSeconds(2), DEFAULTS.maxBodyBytes(), DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201).body("timeoutMillis", equalTo(2_000));
    }

    /** The idle time of scaled deployments follows governance; a value below a second is ignored. */
    @Test
    void theIdleTimeBeforeAScaledDeploymentGivesUpAReplicaIsGoverned() {
        Duration testDefault = rules.scaleDownAfter();
        try {
            decide(FunctionsParameters.SCALE_DOWN_AFTER, "PT3M", ParameterChanged.UNIT_DURATION, nextEffectiveAt());
            awaitIdleTime(Duration.ofMinutes(3));
            decide(FunctionsParameters.SCALE_DOWN_AFTER, "PT0.5S", ParameterChanged.UNIT_DURATION, nextEffectiveAt());
            decide(FunctionsParameters.MAX_BODY_SIZE, "60001", BYTES, nextEffectiveAt()); // a marker the follower applies after
            awaitLimits(new GovernedLimits(DEFAULTS.maxTimeout(), 60001, DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));
            assertThat(rules.scaleDownAfter()).as("half a second is refused").isEqualTo(Duration.ofMinutes(3));
        } finally {
            // the test profile's idle time again (the scaling tests in this JVM depend on it)
            decide(FunctionsParameters.SCALE_DOWN_AFTER, testDefault.toString(), ParameterChanged.UNIT_DURATION,
                    nextEffectiveAt());
            awaitIdleTime(testDefault);
        }
    }

    private void awaitIdleTime(Duration expected) {
        awaitApplied("idle time", rules::scaleDownAfter, expected);
    }

    @Test
    void anUnknownOrUnparseableDecisionChangesNothing() {
        publishAndDeploy(Developer.spec(name));
        // the valid decisions below are older than the invalid ones: had any invalid one been recorded, it would win
        Instant validAt = nextEffectiveAt();
        Instant invalidAt = nextEffectiveAt();
        for (String[] invalid : List.of(new String[] {"lots", BYTES}, new String[] {"0", BYTES}, new String[] {"-1", BYTES},
                new String[] {"4294967296", BYTES}, new String[] {"PT1M", ParameterChanged.UNIT_DURATION})) {
            decide(FunctionsParameters.MAX_BODY_SIZE, invalid[0], invalid[1], invalidAt);
        }
        for (String[] invalid : List.of(new String[] {"soon", ParameterChanged.UNIT_DURATION},
                new String[] {"PT0S", ParameterChanged.UNIT_DURATION}, new String[] {"-PT1M", ParameterChanged.UNIT_DURATION},
                new String[] {"PT0.05S", ParameterChanged.UNIT_DURATION}, new String[] {"60000", BYTES})) {
            decide(FunctionsParameters.MAX_TIMEOUT, invalid[0], invalid[1], invalidAt);
        }
        decide("functions.max-memory", "1", BYTES, invalidAt);
        decide("marketplace.heartbeat-timeout", "PT45S", ParameterChanged.UNIT_DURATION, invalidAt);

        // one partition: once these are applied, every decision above was read
        decide(FunctionsParameters.MAX_BODY_SIZE, "60000", BYTES, validAt);
        decide(FunctionsParameters.MAX_TIMEOUT, "PT4M", ParameterChanged.UNIT_DURATION, validAt);
        awaitLimits(new GovernedLimits(Duration.ofMinutes(4), 60_000, DEFAULTS.maxImageBytes(), DEFAULTS.logRetention()));

        call(filled(60_000)).then().statusCode(200);
        call(filled(60_001)).then().statusCode(413);
    }

    private void publishAndDeploy(Map<String, Object> spec) {
        dev.publish(spec, Bundles.echo()).statusCode(201);
        dev.deployOn(name, agent.endpoint());
    }

    /**
     * What this function's calls and its developer's requests left behind: calls recorded (usage, read after the
     * gateway recorded what it answered), async invocations queued, versions, bids placed, bundles stored.
     */
    private List<Long> traces() {
        long recorded = dev.get("/api/v1/functions/" + name + "/usage").statusCode(200).extract().jsonPath()
                .getLong("invocations");
        long versions = dev.get("/api/v1/functions/" + name + "/versions").statusCode(200).extract().jsonPath()
                .getList("$").size();
        long queued;
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM async_invocations WHERE function_name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                queued = r.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return List.of(recorded, queued, versions, (long) MarketplaceStub.BIDS.size(),
                (long) StorageGatewayStub.OBJECTS.size());
    }

    private io.restassured.response.Response call(byte[] body) {
        return given().body(body).when().post("/fn/" + name + "/x");
    }

    private static byte[] filled(int bytes) {
        byte[] body = new byte[bytes];
        Arrays.fill(body, (byte) 'a');
        return body;
    }

    /** A moment later than every decision published before, so that the newest decision wins. */
    static synchronized Instant nextEffectiveAt() {
        Instant now = Instant.now();
        lastEffectiveAt = now.isAfter(lastEffectiveAt) ? now : lastEffectiveAt.plusMillis(1);
        return lastEffectiveAt;
    }

    /** Waits until the gateway applies {@code expected} (the follower reads and records decisions on its own thread). */
    private void awaitLimits(GovernedLimits expected) {
        awaitApplied("limits", rules::inEffect, expected);
    }

    /** Waits until what the gateway applies ({@code applied}) is {@code expected}, at most 60 s. */
    private static <T> void awaitApplied(String what, java.util.function.Supplier<T> applied, T expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!applied.get().equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the gateway's " + what + " stayed " + applied.get() + ", expected " + expected);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void decide(String parameter, String value, String unit, Instant effectiveAt) {
        EventEnvelope<ParameterChanged> decision = EventEnvelope.of(ParameterChanged.TYPE, ParameterChanged.SOURCE,
                effectiveAt, parameter, new ParameterChanged(parameter, value, unit, 7, effectiveAt));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(EventKeys.signed(Topics.GOVERNANCE_DECISIONS, parameter, JsonCodec.write(decision))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
