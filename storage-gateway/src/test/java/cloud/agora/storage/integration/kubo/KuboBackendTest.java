package cloud.agora.storage.integration.kubo;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.storage.domain.ContentNotFoundException;
import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubo backend against recorded-format RPC responses ({@link KuboFixtureServer}): what it
 * sends, how it reads answers and errors, and that the gateway verifies Kubo's blocks too.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(value = KuboFixtureServer.class, restrictToAnnotatedClass = true)
class KuboBackendTest {

    private static final Cid HELLO = Cid.parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    private static final byte[] HELLO_BYTES = "hello world\n".getBytes(StandardCharsets.UTF_8);

    @Inject
    KuboBackend kubo;

    @BeforeEach
    void clear() {
        KuboFixtureServer.REQUESTS.clear();
        KuboFixtureServer.tamperedBlock = null;
    }

    @AfterEach
    void untamper() {
        KuboFixtureServer.tamperedBlock = null;
    }

    @Test
    void addStreamsAMultipartFileWithTheIpfsAddLayoutAndReadsTheCid() throws Exception {
        FileImporter.Imported added = kubo.add(new ByteArrayInputStream(HELLO_BYTES), DagLayout.KUBO_CID_V0);
        assertThat(added.root()).isEqualTo(HELLO);
        assertThat(added.size()).isEqualTo(12);
        assertThat(added.dagSize()).isEqualTo(20);
        KuboFixtureServer.Request sent = KuboFixtureServer.REQUESTS.get(0);
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/api/v0/add");
        assertThat(sent.query()).contains("cid-version=0", "raw-leaves=false", "chunker=size-262144", "pin=false");
        assertThat(sent.contentType()).startsWith("multipart/form-data; boundary=");
        String boundary = sent.contentType().substring(sent.contentType().indexOf('=') + 1);
        String body = new String(sent.body(), StandardCharsets.UTF_8);
        assertThat(body).startsWith("--" + boundary + "\r\n").contains("name=\"file\"")
                .contains("\r\n\r\nhello world\n\r\n--" + boundary + "--\r\n");

        FileImporter.Imported v1 = kubo.add(new ByteArrayInputStream(HELLO_BYTES), DagLayout.KUBO_CID_V1);
        assertThat(v1.root().toString()).isEqualTo("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        assertThat(KuboFixtureServer.REQUESTS.get(1).query()).contains("cid-version=1", "raw-leaves=true");
    }

    @Test
    void blockGetReturnsBytesOrEmptyForKubosNotFoundError() throws Exception {
        byte[] block = kubo.block(HELLO).orElseThrow();
        assertThat(HELLO.matches(block)).isTrue();
        assertThat(KuboFixtureServer.REQUESTS.get(0).query()).contains("arg=" + HELLO, "offline=true");
        assertThat(kubo.block(Cid.parse("QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco"))).isEmpty();
    }

    @Test
    void pinAndUnpinCallPinAddAndPinRmAndToleranceNotPinned() {
        kubo.pin(HELLO);
        kubo.unpin(HELLO);
        kubo.unpin(Cid.parse("QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco")); // "not pinned" is not an error
        assertThat(KuboFixtureServer.REQUESTS).extracting(KuboFixtureServer.Request::path)
                .containsExactly("/api/v0/pin/add", "/api/v0/pin/rm", "/api/v0/pin/rm");
        assertThat(KuboFixtureServer.REQUESTS.get(0).query()).contains("recursive=true");
    }

    @Test
    void theGatewayServesKubosBlocksOnlyWhenTheyMatchTheirCid() {
        given().get("/ipfs/" + HELLO).then().statusCode(200).body(equalTo("hello world\n"));
        KuboFixtureServer.tamperedBlock = "not the block".getBytes(StandardCharsets.UTF_8);
        given().get("/ipfs/" + HELLO).then().statusCode(502).body("type", equalTo("urn:agora:problem:corrupt-block"));
        given().get("/ipfs/" + HELLO + "?format=raw").then().statusCode(502);
        KuboFixtureServer.tamperedBlock = null;
        given().get("/ipfs/QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco").then().statusCode(404);
    }

    @Test
    void pinningContentKuboCannotFindIsContentNotFound() {
        Cid absent = Cid.parse("QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco");
        assertThatThrownBy(() -> kubo.pin(absent)).isInstanceOf(ContentNotFoundException.class)
                .hasMessageContaining(absent.toString());
    }
}
