package cloud.agora.agent.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.testsupport.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The storage role over HTTP: blocks verified against their CIDs, audits, lease checks, deletion on close. */
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class StorageResourceTest {

    final Address gatewayAddress = Address.parse("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    final Address provider = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    @Inject
    LeaseReconciler reconciler;

    UUID leaseId;
    byte[] block;
    String cid;

    @BeforeEach
    void holdAStorageLease() {
        leaseId = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, lease(leaseId, BidKind.STORAGE, LeaseState.ACTIVE)));
        block = new byte[262_144];
        new Random(leaseId.getLeastSignificantBits()).nextBytes(block);
        cid = Cid.of(1, Cid.RAW, block).toString();
    }

    LeaseView lease(UUID id, BidKind kind, LeaseState state) {
        Resources resources = kind == BidKind.STORAGE ? new Resources(0, 0, 1) : new Resources(500, 64, 0);
        return new LeaseView(id, UUID.randomUUID(), gatewayAddress, provider, "http://localhost:8090", kind, resources,
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.of(1)), state, Instant.now(), null, null, null);
    }

    static RequestSpecification gateway() {
        return given().auth().oauth2(AgentTestResource.GATEWAY_TOKEN);
    }

    String blocks(UUID lease) {
        return "/api/v1/storage/leases/" + lease + "/blocks/";
    }

    Path storedDir(UUID lease) {
        return AgentTestResource.dataDir.resolve("storage").resolve(lease.toString());
    }

    @Test
    void storesABlockServesItBackAndProvesItHoldsIt() throws Exception {
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(204);

        byte[] back = gateway().get(blocks(leaseId) + cid).then().statusCode(200).extract().asByteArray();
        assertThat(back).isEqualTo(block);

        byte[] nonce = new byte[32];
        new Random(3).nextBytes(nonce);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(block);
        sha.update(nonce);
        String expected = HexFormat.of().formatHex(sha.digest());
        String nonceHex = HexFormat.of().formatHex(nonce);
        gateway().contentType(ContentType.JSON).body(Map.of("cid", cid, "nonce", nonceHex))
                .post("/api/v1/storage/leases/" + leaseId + "/challenges").then().statusCode(200)
                .body("cid", equalTo(cid)).body("nonce", equalTo(nonceHex)).body("proof", equalTo(expected));

        gateway().get("/api/v1/storage/leases/" + leaseId).then().statusCode(200)
                .body("leaseId", equalTo(leaseId.toString())).body("blocks", equalTo(1)).body("bytes", equalTo(262_144));
    }

    @Test
    void acceptsTheSameBlockNamedByItsCidV0() {
        byte[] node = "a dag-pb node, as far as hashing goes".getBytes(StandardCharsets.UTF_8);
        String v0 = Cid.of(0, Cid.DAG_PB, node).toString();
        assertThat(v0).startsWith("Qm");
        gateway().contentType("application/octet-stream").body(node).put(blocks(leaseId) + v0).then().statusCode(201);
        assertThat(gateway().get(blocks(leaseId) + v0).then().statusCode(200).extract().asByteArray()).isEqualTo(node);
    }

    @Test
    void refusesBytesThatDoNotHashToTheCidAndStoresNothing() {
        byte[] other = block.clone();
        other[100] ^= 1;
        gateway().contentType("application/octet-stream").body(other).put(blocks(leaseId) + cid).then().statusCode(400)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:block-hash-mismatch"));
        gateway().get(blocks(leaseId) + cid).then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:block-not-found"));
        gateway().get("/api/v1/storage/leases/" + leaseId).then().statusCode(200).body("blocks", equalTo(0)).body("bytes", equalTo(0));
        assertThat(Files.exists(storedDir(leaseId))).isFalse();
    }

    @Test
    void refusesMalformedCidsNoncesAndOversizedBlocks() {
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + "not-a-cid").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-cid"));
        byte[] huge = new byte[2 * 1024 * 1024 + 1];
        gateway().contentType("application/octet-stream").body(huge).put(blocks(leaseId) + Cid.of(1, Cid.RAW, huge))
                .then().statusCode(413).body("type", equalTo("urn:agora:problem:block-too-large"));
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        for (String nonce : new String[] {"abcd", "zz".repeat(32), ""}) {
            gateway().contentType(ContentType.JSON).body(Map.of("cid", cid, "nonce", nonce))
                    .post("/api/v1/storage/leases/" + leaseId + "/challenges").then().statusCode(400)
                    .body("type", equalTo("urn:agora:problem:invalid-challenge"));
        }
        gateway().get("/api/v1/storage/leases/" + leaseId).then().body("blocks", equalTo(1));
    }

    @Test
    void answersNotHeldForUnknownComputeAndClosedLeases() {
        UUID unknown = UUID.randomUUID();
        UUID compute = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, lease(compute, BidKind.COMPUTE, LeaseState.ACTIVE)));
        for (UUID lease : new UUID[] {unknown, compute}) {
            gateway().contentType("application/octet-stream").body(block).put(blocks(lease) + cid).then().statusCode(404)
                    .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:lease-not-held"));
            gateway().get(blocks(lease) + cid).then().statusCode(404).body("type", equalTo("urn:agora:problem:lease-not-held"));
            gateway().get("/api/v1/storage/leases/" + lease).then().statusCode(404);
            gateway().delete("/api/v1/storage/leases/" + lease).then().statusCode(404);
            assertThat(Files.exists(storedDir(lease))).isFalse();
        }
    }

    @Test
    void blocksOfALeaseThatClosesAreDeleted() {
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        assertThat(storedDir(leaseId)).isDirectory();

        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CLOSED, lease(leaseId, BidKind.STORAGE, LeaseState.CLOSED)));

        assertThat(Files.exists(storedDir(leaseId))).isFalse();
        gateway().get(blocks(leaseId) + cid).then().statusCode(404).body("type", equalTo("urn:agora:problem:lease-not-held"));
    }

    @Test
    void deleteRemovesEveryBlockOfTheLease() {
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        gateway().delete("/api/v1/storage/leases/" + leaseId).then().statusCode(204);
        gateway().get(blocks(leaseId) + cid).then().statusCode(404).body("type", equalTo("urn:agora:problem:block-not-found"));
        gateway().get("/api/v1/storage/leases/" + leaseId).then().statusCode(200).body("blocks", equalTo(0));
        assertThat(Files.exists(storedDir(leaseId))).isFalse();
    }

    @Test
    void aStoredCopyThatRotsIsNeverServedNorProved() throws Exception {
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        Path file = storedDir(leaseId).resolve(Cid.parse(cid).blockKey());
        byte[] rotten = Files.readAllBytes(file);
        rotten[0] ^= 1;
        Files.write(file, rotten);

        gateway().contentType(ContentType.JSON).body(Map.of("cid", cid, "nonce", "00".repeat(32)))
                .post("/api/v1/storage/leases/" + leaseId + "/challenges").then().statusCode(404)
                .body("type", equalTo("urn:agora:problem:block-not-found"));
        gateway().get(blocks(leaseId) + cid).then().statusCode(404);
        gateway().get("/api/v1/storage/leases/" + leaseId).then().body("blocks", equalTo(0));
    }

    @Test
    void refusesCallersWithoutTheGatewaySecret() {
        given().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(401)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:gateway-unauthenticated"));
        given().auth().oauth2("wrong").get(blocks(leaseId) + cid).then().statusCode(401);
        given().delete("/api/v1/storage/leases/" + leaseId).then().statusCode(401);
        given().contentType(ContentType.JSON).body(Map.of("cid", cid, "nonce", "00".repeat(32)))
                .post("/api/v1/storage/leases/" + leaseId + "/challenges").then().statusCode(401);
        assertThat(Files.exists(storedDir(leaseId))).isFalse();
    }
}
