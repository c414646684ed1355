package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import cloud.agora.functions.Bundles;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A developer's function deployed on two stand-in agents (one replica each), for the gateway's health tests. */
abstract class TwoReplicaDeployment {

    Developer dev;
    String name;
    AgentStub first;
    AgentStub second;

    @BeforeEach
    void deploy() throws Exception {
        dev = Developer.signedIn();
        name = "health-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        first = new AgentStub();
        second = new AgentStub();
        MarketplaceStub.endpoints = List.of(first.endpoint(), second.endpoint());
        dev.post("/api/v1/functions/" + name + "/deployments", new HashMap<>(Map.of("replicas", 2,
                "maxPrices", DeploymentTest.MAX, "constraints", Map.of("region", "eu")))).statusCode(201)
                .body("status", equalTo("ACTIVE"));
        MarketplaceStub.endpoints = List.of();
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
    }

    /** Sequential calls with nothing in flight go to the first healthy replica in placement order. */
    String callProvider() {
        return given().body("x").when().post("/fn/" + name + "/x").then().statusCode(200).extract().header("Agora-Provider");
    }

}
