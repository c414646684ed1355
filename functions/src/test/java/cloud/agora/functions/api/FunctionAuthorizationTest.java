package cloud.agora.functions.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.functions.Bundles;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One developer can neither see, publish over nor delete another's functions; anonymous callers nothing. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class FunctionAuthorizationTest {

    @Inject
    AgroalDataSource dataSource;

    Developer alice;
    Developer mallory;
    String name;

    @BeforeEach
    void aliceOwnsAFunction() {
        alice = Developer.signedIn();
        mallory = Developer.signedIn();
        name = "auth-" + UUID.randomUUID().toString().substring(0, 8);
        alice.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
    }

    void notFoundForMallory(io.restassured.response.ValidatableResponse response) {
        response.statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:function-not-found"));
    }

    @Test
    void anotherDeveloperCannotSeeTheFunction() {
        notFoundForMallory(mallory.get("/api/v1/functions/" + name));
        notFoundForMallory(mallory.get("/api/v1/functions/" + name + "/versions"));
        notFoundForMallory(mallory.get("/api/v1/functions/" + name + "/versions/1"));
        mallory.get("/api/v1/functions").statusCode(200).body("$", hasSize(0));
        alice.get("/api/v1/functions/" + name).statusCode(200).body("owner", equalTo(alice.address()));
    }

    @Test
    void anotherDeveloperCannotDeleteTheFunction() {
        List<Long> before = Rows.counts(dataSource);
        notFoundForMallory(mallory.delete("/api/v1/functions/" + name));
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
        alice.get("/api/v1/functions/" + name).statusCode(200);
    }

    @Test
    void anotherDeveloperCannotPublishAVersionOfIt() {
        List<Long> before = Rows.counts(dataSource);
        mallory.publish(Developer.spec(name), Bundles.tar().file("handler.sh", "echo pwned\n").gz()).statusCode(409)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:function-name-taken"))
                .body("function", equalTo(name));
        assertThat(Rows.counts(dataSource)).as("no version, no upload").isEqualTo(before);
        alice.get("/api/v1/functions/" + name).statusCode(200).body("latestVersion", equalTo(1));
    }

    @Test
    void anonymousAndForgedCallersAreRefused() {
        List<Long> before = Rows.counts(dataSource);
        given().when().get("/api/v1/functions").then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:unauthenticated"));
        given().when().get("/api/v1/functions/" + name).then().statusCode(401);
        given().when().delete("/api/v1/functions/" + name).then().statusCode(401);
        given().multiPart("spec", "{\"name\":\"" + name + "\",\"runtime\":\"shell\"}")
                .multiPart("bundle", "b.tar.gz", Bundles.echo()).when().post("/api/v1/functions").then().statusCode(401);
        given().auth().oauth2(alice.token + "x").when().get("/api/v1/functions/" + name).then().statusCode(401)
                .body("type", equalTo("urn:agora:problem:invalid-token"));
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
    }
}
