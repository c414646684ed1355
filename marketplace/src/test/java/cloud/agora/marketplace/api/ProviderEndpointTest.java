package cloud.agora.marketplace.api;

import static cloud.agora.marketplace.api.Market.resources;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A provider registers a plain origin, nothing else: the gateways call paths of their own choosing on it, so an
 * endpoint carrying a path, query, fragment or credentials could steer the platform's calls. And the platform's
 * gateway keys are public.
 */
@QuarkusTest
class ProviderEndpointTest {

    static final String ORIGIN = "http://agent.example:8090";

    @Inject
    AgroalDataSource dataSource;

    @Test
    void anEndpointThatIsNotAPlainOriginIsRefusedAndNothingChanges() throws SQLException {
        String region = "ep-" + UUID.randomUUID().toString().substring(0, 8);
        Market provider = Market.participant().provide(region, resources(1000, 1024, 0), MarketBadInputTest.ASK);
        Market newcomer = Market.participant();
        long providersBefore = providers();
        for (String endpoint : List.of(
                "http://agent.example:8090/api/v1/admin",
                "http://agent.example:8090?",
                "http://agent.example:8090?next=/internal",
                "http://agent.example:8090#",
                "http://agent.example:8090#frag",
                "http://user:secret@agent.example:8090",
                "http://user@agent.example:8090",
                "ftp://agent.example:8090",
                "file:///etc/passwd",
                "gopher://agent.example:70",
                "http://",
                "")) {
            for (Market who : List.of(provider, newcomer)) {
                who.post("/api/v1/providers", Map.of("address", who.address(), "endpoint", endpoint, "region", region))
                        .statusCode(400).contentType("application/problem+json")
                        .body("type", equalTo("urn:agora:problem:invalid-provider"))
                        .body("status", equalTo(400))
                        .body("detail", containsString("origin"));
            }
        }
        given().get("/api/v1/providers/" + provider.address()).then().statusCode(200).body("endpoint", equalTo(ORIGIN));
        given().get("/api/v1/providers/" + newcomer.address()).then().statusCode(404);
        assertThat(storedEndpoint(provider.address())).isEqualTo(ORIGIN);
        assertThat(providers()).as("providers recorded").isEqualTo(providersBefore);
    }

    @Test
    void aPlainOriginIsStoredNormalised() throws SQLException {
        Market provider = Market.participant();
        provider.post("/api/v1/providers", Map.of("address", provider.address(), "endpoint", "HTTPS://Agent.Example:8443/",
                "region", "eu")).statusCode(201).body("endpoint", equalTo("https://agent.example:8443"));
        given().get("/api/v1/providers/" + provider.address()).then().body("endpoint", equalTo("https://agent.example:8443"));
        assertThat(storedEndpoint(provider.address())).isEqualTo("https://agent.example:8443");
    }

    @Test
    void theGatewayKeysArePublishedWithoutSignIn() {
        given().get("/api/v1/gateways").then().statusCode(200)
                .body("functions", equalTo(List.of("0x1111111111111111111111111111111111111111",
                        "0x2222222222222222222222222222222222222222")))
                .body("storage", equalTo(List.of("0x3333333333333333333333333333333333333333",
                        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f")));
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/api/v1/gateways'.get.summary", equalTo("The platform's gateway keys"));
    }

    private long providers() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM providers")) {
            r.next();
            return r.getLong(1);
        }
    }

    private String storedEndpoint(String address) throws SQLException {
        try (Connection c = dataSource.getConnection();
             var s = c.prepareStatement("SELECT endpoint FROM providers WHERE address = ?")) {
            s.setString(1, address.toLowerCase());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}
