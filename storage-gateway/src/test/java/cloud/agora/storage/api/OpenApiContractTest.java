package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.testsupport.PostgresResource;
import cloud.agora.support.openapi.OpenApiContract;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The storage gateway's OpenAPI document is its contract: every resource method is in it with its path and verb, every
 * problem its code can answer is declared at its status, and nothing is declared that the code does not serve or
 * answer (service-support's {@code OpenApiContract}). The upload route (a Vert.x route) is checked as well, and the
 * Pinning Service API's problems as the Failure bodies its filter turns them into (402 answered as 409).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(ReplicationResource.class)
class OpenApiContractTest {

    @Test
    void documentDeclaresWhatTheCodeServesAndAnswers() throws Exception {
        String document = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        assertThat(new OpenApiContract(new ObjectMapper().readTree(document), getClass().getClassLoader(),
                "cloud.agora.storage", "cloud.agora.support")
                .route("POST", StorageOpenApi.UPLOAD_PATH, ObjectUploadRoute.class, "upload",
                        "(Lio/vertx/ext/web/RoutingContext;)V")
                .moved(PinningApi.class, 402, 409).disagreements()).isEmpty();
    }
}
