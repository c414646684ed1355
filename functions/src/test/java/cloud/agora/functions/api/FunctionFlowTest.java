package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import cloud.agora.functions.Bundles;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class FunctionFlowTest {

    @Inject
    AgroalDataSource dataSource;

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void publishesImmutableVersionsWithTheBundleInTheStorageGateway() throws Exception {
        Developer dev = Developer.signedIn();
        String name = unique("echo");
        byte[] bundle = Bundles.echo();
        Map<String, Object> spec = Developer.spec(name);
        spec.put("memoryMiB", 256);
        spec.put("timeoutMillis", 5000);
        spec.put("env", List.of(Map.of("name", "GREETING", "value", "hello", "secret", false),
                Map.of("name", "API_TOKEN", "value", "s3cret-token-value", "secret", true)));

        String cid = dev.publish(spec, bundle).statusCode(201)
                .header("Location", org.hamcrest.Matchers.endsWith("/api/v1/functions/" + name + "/versions/1"))
                .body("name", equalTo(name)).body("version", equalTo(1)).body("runtime", equalTo("shell"))
                .body("entrypoint", equalTo("handler.sh")).body("memoryMiB", equalTo(256)).body("cpuMillis", equalTo(250))
                .body("timeoutMillis", equalTo(5000)).body("maxConcurrency", equalTo(10))
                .body("bundleBytes", equalTo(bundle.length)).body("bundleFiles", equalTo(1))
                .body("env.find { it.name == 'GREETING' }.value", equalTo("hello"))
                .body("env.find { it.name == 'API_TOKEN' }.secret", equalTo(true))
                .body("env.find { it.name == 'API_TOKEN' }.value", nullValue())
                .extract().path("bundleCid");
        // the stored bytes are the bundle, uploaded with the developer's own token
        assertThat(StorageGatewayStub.OBJECTS.get(cid)).isEqualTo(bundle);
        assertThat(StorageGatewayStub.TOKENS.get(cid)).isEqualTo(dev.token);
        // the secret is at rest only as ciphertext
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT e.plain_value, e.sealed FROM function_env e"
                        + " JOIN functions f ON f.id = e.function_id WHERE f.name = ? AND e.name = 'API_TOKEN'")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isNull();
                assertThat(new String(r.getBytes(2), StandardCharsets.ISO_8859_1)).doesNotContain("s3cret");
            }
        }

        // a second publish is version 2; version 1 is unchanged
        byte[] second = Bundles.tar().file("handler.sh", "echo v2\n").gz();
        dev.publish(Developer.spec(name), second).statusCode(201).body("version", equalTo(2)).body("env", hasSize(0));
        dev.get("/api/v1/functions/" + name + "/versions").statusCode(200).body("version", equalTo(List.of(1, 2)))
                .body("[0].bundleCid", equalTo(cid)).body("[0].memoryMiB", equalTo(256))
                .body("[0].env.find { it.name == 'API_TOKEN' }.value", nullValue());
        dev.get("/api/v1/functions/" + name + "/versions/1").statusCode(200).body("bundleCid", equalTo(cid));
        dev.get("/api/v1/functions/" + name).statusCode(200).body("latestVersion", equalTo(2))
                .body("versions", equalTo(2)).body("owner", equalTo(dev.address()));
        dev.get("/api/v1/functions").statusCode(200).body("name", equalTo(List.of(name)));
        dev.get("/api/v1/functions/" + name + "/versions/3").statusCode(404)
                .body("type", equalTo("urn:agora:problem:version-not-found"));

        // the JSON never carries the secret in any read
        String everything = dev.get("/api/v1/functions/" + name + "/versions").extract().asString();
        assertThat(everything).doesNotContain("s3cret");

        dev.delete("/api/v1/functions/" + name).statusCode(204);
        dev.get("/api/v1/functions/" + name).statusCode(404).body("type", equalTo("urn:agora:problem:function-not-found"));
        dev.get("/api/v1/functions").statusCode(200).body("$", hasSize(0));
        // after deletion the name is free again
        Developer.signedIn().publish(Developer.spec(name), Bundles.echo()).statusCode(201).body("version", equalTo(1));
    }
}
