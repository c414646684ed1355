package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import cloud.agora.functions.Bundles;
import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.usage.UsageReceipt;
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
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/invocations/{id}/witness}: the owner of a function gets the gateway's signed witness of how a
 * call ended — the evidence billing decides a dispute on — only for a call whose receipt the gateway witnessed; anyone
 * else gets what an unknown id gets. Calls go through the gateway to a stand-in agent that signs real receipts; real
 * PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class CallWitnessTest {

    @Inject
    AgroalDataSource dataSource;

    Developer dev;
    String name;
    AgentStub agent;

    @BeforeEach
    void deploy() throws Exception {
        dev = Developer.signedIn();
        name = "witness-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        agent = new AgentStub();
        dev.deployOn(name, agent.endpoint());
    }

    @AfterEach
    void stop() {
        MarketplaceStub.endpoints = List.of();
        agent.close();
    }

    String witnessPath(String id) {
        return "/api/v1/invocations/" + id + "/witness";
    }

    CallWitness witness(Developer who, String id) {
        return JsonCodec.read(who.get(witnessPath(id)).statusCode(200).contentType("application/json").extract().asString(),
                CallWitness.class);
    }

    @Test
    void theOwnerGetsTheGatewaysSignedWitnessOfTheReceiptTheAgentReturned() {
        String id = given().body("world").when().post("/fn/" + name + "/x").then().statusCode(200).extract()
                .header("Agora-Invocation-Id");
        UsageReceipt receipt = agent.receipts.get(UUID.fromString(id));

        CallWitness witness = witness(dev, id);

        assertThat(witness.signatureValid(new SignerKeys())).isTrue();
        assertThat(witness.gateway()).isEqualTo(GatewayKeyResource.address());
        assertThat(witness.receiptHash()).isEqualTo(receipt.hashHex());
        assertThat(witness.invocationId()).hasToString(id);
        assertThat(witness.leaseId()).isEqualTo(receipt.leaseId());
        assertThat(witness.provider()).isEqualTo(agent.provider.address());
        assertThat(witness.consumer()).isEqualTo(dev.wallet.address());
        assertThat(witness.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(witness.exitCode()).isZero();
        assertThat(witness.witnessedAt()).isEqualTo(Instant.ofEpochMilli(recordedAt(id).toEpochMilli()));
        // signed again on every read, deterministically: the same recorded call gives the same witness
        assertThat(witness(dev, id)).isEqualTo(witness);
        // the signature covers the outcome: a witness claiming another one is not the gateway's
        CallWitness altered = new CallWitness(witness.invocationId(), witness.leaseId(), witness.provider(),
                witness.consumer(), witness.receiptHash(), InvocationOutcome.TIMEOUT, witness.exitCode(),
                witness.witnessedAt(), witness.gateway(), witness.signature());
        assertThat(altered.signatureValid(new SignerKeys())).isFalse();
    }

    @Test
    void aFailedCallsWitnessStatesTheOutcomeAndExitCodeTheAgentReported() {
        String id = given().body("fail").when().post("/fn/" + name + "/x").then().statusCode(502)
                .body("type", equalTo("urn:agora:problem:function-failed")).extract().path("invocationId");
        UsageReceipt receipt = agent.receipts.get(UUID.fromString(id));

        CallWitness witness = witness(dev, id);

        assertThat(witness.signatureValid(new SignerKeys())).isTrue();
        assertThat(witness.gateway()).isEqualTo(GatewayKeyResource.address());
        assertThat(witness.receiptHash()).isEqualTo(receipt.hashHex());
        assertThat(witness.outcome()).isEqualTo(InvocationOutcome.FUNCTION_ERROR);
        assertThat(witness.exitCode()).isEqualTo(3);
    }

    @Test
    void anotherDeveloperGetsWhatAnUnknownIdGetsAndNoWitness() {
        String id = given().body("world").when().post("/fn/" + name + "/x").then().statusCode(200).extract()
                .header("Agora-Invocation-Id");
        witness(dev, id); // it exists and has a witness

        String unknownTitle = dev.get(witnessPath(UUID.randomUUID().toString())).statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:invocation-not-found"))
                .extract().path("title");
        Developer other = Developer.signedIn();
        other.get(witnessPath(id)).statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:invocation-not-found")).body("title", equalTo(unknownTitle))
                .body("invocationId", equalTo(id)).body("$", not(hasKey("signature"))).body("$", not(hasKey("receiptHash")))
                .body("detail", not(containsString(name))).body("detail", not(containsString(dev.address())));
        given().when().get(witnessPath(id)).then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:unauthenticated")).body("$", not(hasKey("signature")));
    }

    @Test
    void aCallWhoseReceiptTheGatewayRefusedHasNoWitness() {
        // the stand-in claims more CPU than the lease allows: the gateway answers the caller but does not witness it
        String id = given().body("greedy").when().post("/fn/" + name + "/x").then().statusCode(200).extract()
                .header("Agora-Invocation-Id");
        dev.get(witnessPath(id)).statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:receipt-not-witnessed")).body("invocationId", equalTo(id))
                .body("receiptStatus", equalTo("SUSPECT")).body("detail", containsString("refused the receipt"))
                .body("detail", containsString("out-of-bounds")).body("$", not(hasKey("signature")));
        assertThat(receiptStatus(id)).isEqualTo("SUSPECT");
    }

    @Test
    void aMalformedIdIsABadRequestAndAnUnknownOneIsNotFound() {
        for (String malformed : List.of("not-a-uuid", "1-2-3-4-5", UUID.randomUUID() + "0")) {
            dev.get(witnessPath(malformed)).statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:agora:problem:invalid-invocation-id")).body("invocationId", equalTo(malformed));
        }
        String unknown = UUID.randomUUID().toString();
        dev.get(witnessPath(unknown)).statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:invocation-not-found")).body("invocationId", equalTo(unknown));
    }

    Instant recordedAt(String id) {
        return column(id, "at", Instant.class);
    }

    String receiptStatus(String id) {
        return column(id, "receipt_status", String.class);
    }

    <T> T column(String id, String column, Class<T> type) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT " + column + " FROM invocations WHERE id = ?")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return type == Instant.class ? type.cast(r.getTimestamp(1).toInstant()) : r.getObject(1, type);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
