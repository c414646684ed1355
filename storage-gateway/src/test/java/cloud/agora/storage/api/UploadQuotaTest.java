package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.storage.integration.blockstore.EmbeddedBlockstore;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.Wallet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each account's upload quota (here 1 MiB): an upload that would pass it gets 413 {@code storage-quota-exceeded} and
 * stores nothing — refused from its Content-Length before its body is read, or stopped as its bytes pass what is left
 * when it declares no length — while other accounts are not affected and a refused upload gives its hold back.
 */
@QuarkusTest
@TestProfile(UploadQuotaTest.SmallQuota.class)
@QuarkusTestResource(PostgresResource.class)
class UploadQuotaTest {

    static final long QUOTA = 1 << 20;

    /** A quota of 1 MiB per account. */
    public static class SmallQuota implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.storage.upload.quota-per-account", Long.toString(QUOTA));
        }
    }

    @Inject
    EmbeddedBlockstore store;

    /** Bytes no other test of the module uploads (the blockstore outlives a test class). */
    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String tokenOfNewAccount() {
        return Tokens.tokenFor(Wallet.random().address());
    }

    @Test
    void anUploadPastTheAccountsQuotaIsRefusedFromItsLengthAndStoresNothingWhileOthersStillUpload() throws Exception {
        String alice = tokenOfNewAccount();
        given().auth().oauth2(alice).contentType("application/octet-stream").body(random(700_000, 7101))
                .post("/api/v1/objects").then().statusCode(201);
        long blocks = store.blockCount();

        given().auth().oauth2(alice).contentType("application/octet-stream").body(random(400_000, 7102))
                .post("/api/v1/objects").then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:storage-quota-exceeded"))
                .body("quotaBytes", equalTo((int) QUOTA)).body("remainingBytes", equalTo((int) (QUOTA - 700_000)));
        assertThat(store.blockCount()).isEqualTo(blocks);
        assertThat(store.stagedUploads()).isZero();

        // another account's quota is its own
        given().auth().oauth2(tokenOfNewAccount()).contentType("application/octet-stream").body(random(400_000, 7103))
                .post("/api/v1/objects").then().statusCode(201);
        // and the refused upload held nothing: what is left still takes an upload that fits
        given().auth().oauth2(alice).contentType("application/octet-stream").body(random(300_000, 7104))
                .post("/api/v1/objects").then().statusCode(201);
    }

    @Test
    void anUploadWithoutALengthIsStoppedWhenItPassesWhatIsLeftAndStoresNothing() throws Exception {
        String bob = tokenOfNewAccount();
        given().auth().oauth2(bob).contentType("application/octet-stream").body(random(700_000, 7105))
                .post("/api/v1/objects").then().statusCode(201);
        long blocks = store.blockCount();

        // no Content-Length: the body is sent chunked
        Response refused = given().auth().oauth2(bob).contentType("application/octet-stream")
                .body(new ByteArrayInputStream(random(600_000, 7106))).post("/api/v1/objects");
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.jsonPath().getString("type")).isEqualTo("urn:agora:problem:storage-quota-exceeded");
        assertThat(store.blockCount()).isEqualTo(blocks);
        assertThat(store.stagedUploads()).isZero();
        given().auth().oauth2(bob).contentType("application/octet-stream").body(random(300_000, 7107))
                .post("/api/v1/objects").then().statusCode(201);
    }
}
