package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.protocol.billing.CreditView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.integration.billing.BillingStandIn;
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
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Storage beyond the free allowance (here 256 KiB of a 1 MiB quota) and provider replicas are paid: billing is asked,
 * with the account's own token, whether it collects from the account. When it does not (never authorized, below the
 * floor), the upload gets 402 {@code storage-not-paid} and stores nothing — judged from its length before its body is
 * read, or as a body without one passes the allowance — and a pin asking for replicas gets the Pinning Service API's
 * 409 {@code INSUFFICIENT_FUNDS} and neither is recorded nor buys a lease. Billing out of reach refuses what needs paid storage with 503 and nothing else.
 */
@QuarkusTest
@TestProfile(PaidStorageTest.SmallFreeAllowance.class)
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(ReplicationResource.class)
@QuarkusTestResource(BillingStandIn.class)
class PaidStorageTest {

    static final long QUOTA = 1 << 20;
    static final long FREE = 256 << 10;

    /** A 1 MiB quota of which 256 KiB are free. */
    public static class SmallFreeAllowance implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agora.storage.upload.quota-per-account", Long.toString(QUOTA),
                    "agora.storage.upload.free-quota-per-account", Long.toString(FREE));
        }
    }

    @Inject
    EmbeddedBlockstore store;

    @AfterEach
    void billingAsUsual() {
        BillingStandIn.CREDIT.clear();
        BillingStandIn.DOWN.set(false);
    }

    /** Bytes no other test of the module uploads (the blockstore outlives a test class). */
    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static Address unpaid(String reason) {
        Address account = Wallet.random().address();
        BillingStandIn.CREDIT.put(account.value().toLowerCase(Locale.ROOT), BillingStandIn.unpaid(account, reason));
        return account;
    }

    private static Response upload(String token, byte[] body) {
        return given().auth().oauth2(token).contentType("application/octet-stream").body(body).post("/api/v1/objects");
    }

    private static Response uploadChunked(String token, byte[] body) {
        return given().auth().oauth2(token).contentType("application/octet-stream").body(new ByteArrayInputStream(body))
                .post("/api/v1/objects");
    }

    private static int pinsOf(String token) {
        return given().auth().oauth2(token).get("/pins?status=queued,pinning,pinned,failed").then().statusCode(200)
                .extract().jsonPath().getInt("count");
    }

    @Test
    void anUploadPastTheFreeAllowanceByAnAccountBillingCollectsNothingFromGets402AndStoresNothing() throws Exception {
        Address account = unpaid(CreditView.NOT_AUTHORIZED);
        String token = Tokens.tokenFor(account);
        int asked = BillingStandIn.ASKED.get();
        upload(token, random(100_000, 7201)).then().statusCode(201);
        assertThat(BillingStandIn.ASKED.get()).as("within the free allowance billing is not asked").isEqualTo(asked);
        long blocks = store.blockCount();

        upload(token, random(400_000, 7202)).then().statusCode(402).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:storage-not-paid")).body("reason", equalTo("not-authorized"));
        Response chunked = uploadChunked(token, random(400_000, 7203));
        assertThat(chunked.statusCode()).as(chunked.asString()).isEqualTo(402);
        assertThat(chunked.jsonPath().getString("type")).isEqualTo("urn:agora:problem:storage-not-paid");
        assertThat(store.blockCount()).as("no block of a refused upload stayed").isEqualTo(blocks);
        assertThat(store.stagedUploads()).isZero();

        // once billing collects from the account (it authorized billing's delegate), the whole quota is its own
        BillingStandIn.CREDIT.clear();
        upload(token, random(400_000, 7202)).then().statusCode(201);
        uploadChunked(token, random(400_000, 7203)).then().statusCode(201);
    }

    @Test
    void aPinAskingForReplicasByAnAccountBillingCollectsNothingFromIsRefusedForInsufficientFundsAndBuysNoLease() {
        Address account = unpaid(CreditView.BELOW_FLOOR);
        String token = Tokens.tokenFor(account);
        String cid = upload(token, random(50_000, 7204)).then().statusCode(201).extract().jsonPath().getString("cid");
        int leases = ReplicationResource.market.leases().size();

        given().auth().oauth2(token).contentType("application/json")
                .body(Map.of("cid", cid, "meta", Map.of("replication", "1"))).post("/pins").then().statusCode(409)
                .body("error.reason", equalTo("INSUFFICIENT_FUNDS")).body("error.details", containsString("below-floor"));
        assertThat(pinsOf(token)).as("no pin request recorded").isZero();
        assertThat(ReplicationResource.market.leases()).as("no storage lease bought").hasSize(leases);

        // a pin kept in the gateway's own store only is not paid storage
        given().auth().oauth2(token).contentType("application/json").body(Map.of("cid", cid)).post("/pins").then()
                .statusCode(202);
        assertThat(pinsOf(token)).isEqualTo(1);
    }

    @Test
    void billingOutOfReachRefusesWhatNeedsPaidStorageWith503AndStoresNothing() throws Exception {
        String token = Tokens.tokenFor(Wallet.random().address());
        String cid = upload(token, random(60_000, 7205)).then().statusCode(201).extract().jsonPath().getString("cid");
        long blocks = store.blockCount();
        int leases = ReplicationResource.market.leases().size();
        BillingStandIn.DOWN.set(true);

        upload(token, random(400_000, 7206)).then().statusCode(503)
                .body("type", equalTo("urn:agora:problem:billing-unavailable"));
        given().auth().oauth2(token).contentType("application/json")
                .body(Map.of("cid", cid, "meta", Map.of("replication", "1"))).post("/pins").then().statusCode(503);
        assertThat(store.blockCount()).isEqualTo(blocks);
        assertThat(pinsOf(token)).isZero();
        assertThat(ReplicationResource.market.leases()).hasSize(leases);
        // what fits in the free allowance does not need billing
        upload(token, random(60_000, 7207)).then().statusCode(201);
    }
}
