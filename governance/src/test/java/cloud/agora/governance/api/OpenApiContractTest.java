package cloud.agora.governance.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.support.openapi.OpenApiContract;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The governance's OpenAPI document is its contract: every resource method is in it with its path and verb, every
 * problem its code can answer is declared at its status, and nothing is declared that the code does not serve or
 * answer (service-support's {@code OpenApiContract}).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GovernanceDevnetResource.class)
class OpenApiContractTest {

    @Test
    void documentDeclaresWhatTheCodeServesAndAnswers() throws Exception {
        String document = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        assertThat(new OpenApiContract(new ObjectMapper().readTree(document), getClass().getClassLoader(),
                "cloud.agora.governance", "cloud.agora.support").disagreements()).isEmpty();
    }
}
