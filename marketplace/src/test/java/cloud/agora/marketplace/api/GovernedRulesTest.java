package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.bid;
import static cloud.agora.marketplace.api.Market.prices;
import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.TopicReader;
import cloud.agora.testsupport.Wallet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Governance's decisions change the running market's rules, durably, the latest decision winning. */
@QuarkusTest
@QuarkusTestResource(value = EventKeys.class, initArgs = @ResourceArg(name = "service", value = "marketplace"))
class GovernedRulesTest {

    @Inject
    MarketDesk desk;

    @Test
    void aDecisionChangesTheRulesInTheRunningMarketAndSurvivesARestart() throws Exception {
        Instant now = Instant.now();
        try {
            publish("marketplace.heartbeat-timeout", "PT45S", now);
            publish("marketplace.max-bid-lifetime", "PT2H", now);
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/api/v1/market/parameters")
                    .then().body("'marketplace.heartbeat-timeout'", equalTo("PT45S"))
                    .body("'marketplace.max-bid-lifetime'", equalTo("PT2H")));

            Market developer = Market.participant();
            Map<String, Object> longBid = new HashMap<>(bid(resources(250, 256, 0), 1, prices("1", "1", "1", "1")));
            longBid.put("ttlSeconds", 3 * 3600);
            developer.post("/api/v1/bids", longBid).statusCode(400).body("type", equalTo("urn:agora:problem:invalid-bid"))
                    .body("detail", containsString("ttlSeconds must be from 1 to 7200"));

            // an older decision arriving late does not undo a newer one
            publish("marketplace.heartbeat-timeout", "PT10S", now.minusSeconds(60));
            publish("marketplace.max-bid-lifetime", "PT3H", now.plusSeconds(1));
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/api/v1/market/parameters")
                    .then().body("'marketplace.max-bid-lifetime'", equalTo("PT3H")));
            given().get("/api/v1/market/parameters").then().body("'marketplace.heartbeat-timeout'", equalTo("PT45S"));

            desk.reload();
            given().get("/api/v1/market/parameters").then().body("'marketplace.heartbeat-timeout'", equalTo("PT45S"))
                    .body("'marketplace.max-bid-lifetime'", equalTo("PT3H"));
        } finally {
            // other test classes share this application: give back the configured defaults
            publish("marketplace.heartbeat-timeout", "PT30S", now.plusSeconds(10));
            publish("marketplace.max-bid-lifetime", "PT168H", now.plusSeconds(10));
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/api/v1/market/parameters")
                    .then().body("'marketplace.heartbeat-timeout'", equalTo("PT30S"))
                    .body("'marketplace.max-bid-lifetime'", equalTo("PT168H")));
        }
    }

    /**
     * Decisions written to the topic by anyone but governance — unsigned, signed by a stranger, signed by another
     * service's event key — change no rule: each is quarantined with its reason; so is a poison record (signed, but no
     * decision), and the follower goes on: a signed decision sent after them is applied.
     */
    @Test
    void aDecisionGovernanceDidNotSignChangesNoRuleAndIsQuarantined() throws Exception {
        Instant now = Instant.now();
        String before = given().get("/api/v1/market/parameters").then().extract().path("'marketplace.max-bid-lifetime'");
        String forgedValue = "PT1H";
        String body = JsonCodec.write(decision("marketplace.max-bid-lifetime", forgedValue, now));
        send(new ProducerRecord<>(Topics.GOVERNANCE_DECISIONS, "marketplace.max-bid-lifetime", body));
        send(EventKeys.signedBy(Wallet.random().key(), Topics.GOVERNANCE_DECISIONS, "marketplace.max-bid-lifetime", body));
        send(EventKeys.signedBy(EventKeys.of("marketplace"), Topics.GOVERNANCE_DECISIONS, "marketplace.max-bid-lifetime", body));
        // and a poison record: signed by governance, but no decision at all
        String poison = "{\"id\": \"" + now + "\", \"type\": ";
        send(EventKeys.signed(Topics.GOVERNANCE_DECISIONS, "marketplace.max-bid-lifetime", poison));

        List<ConsumerRecord<String, String>> quarantined = TopicReader.readUntil(Topics.QUARANTINE,
                records -> records.stream().filter(r -> r.value().equals(body) || r.value().equals(poison)).count() >= 4,
                Duration.ofSeconds(30));
        assertThat(quarantined.stream().filter(r -> r.value().equals(body))
                .map(r -> new String(r.headers().lastHeader(SignedEvents.REASON).value(), StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder("unsigned", "not-signed-by-producer", "not-signed-by-producer");
        assertThat(quarantined.stream().filter(r -> r.value().equals(body))
                .map(r -> new String(r.headers().lastHeader(SignedEvents.CONSUMER).value(), StandardCharsets.UTF_8)))
                .containsOnly("marketplace");
        assertThat(quarantined.stream().filter(r -> r.value().equals(poison))
                .map(r -> new String(r.headers().lastHeader(SignedEvents.REASON).value(), StandardCharsets.UTF_8)))
                .singleElement().asString().startsWith("unreadable decision");

        // the follower went on: a decision governance signed, sent after the forged ones, is applied; they were not
        try {
            publish("marketplace.heartbeat-timeout", "PT40S", now);
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/api/v1/market/parameters")
                    .then().body("'marketplace.heartbeat-timeout'", equalTo("PT40S")));
            given().get("/api/v1/market/parameters").then().body("'marketplace.max-bid-lifetime'", equalTo(before));
        } finally {
            // (effective a moment later, not in the future: the other tests' decisions must stay newer)
            publish("marketplace.heartbeat-timeout", "PT30S", now.plusMillis(1));
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/api/v1/market/parameters")
                    .then().body("'marketplace.heartbeat-timeout'", equalTo("PT30S")));
        }
    }

    private static EventEnvelope<ParameterChanged> decision(String name, String value, Instant effectiveAt) {
        return EventEnvelope.of(ParameterChanged.TYPE, ParameterChanged.SOURCE, effectiveAt, name,
                new ParameterChanged(name, value, ParameterChanged.UNIT_DURATION, 7, effectiveAt));
    }

    private static void send(ProducerRecord<String, String> record) {
        KafkaBroker.send(record);
    }

    private static void publish(String name, String value, Instant effectiveAt) {
        send(EventKeys.signed(Topics.GOVERNANCE_DECISIONS, name, JsonCodec.write(decision(name, value, effectiveAt))));
    }
}
