package cloud.agora.agent.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.invocation.StorageGrant;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.StoragePeriods;
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
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The storage role over HTTP: blocks verified against their CIDs, audits, lease checks, deletion on close. */
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class StorageResourceTest {

    final Address gatewayAddress = Address.parse("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

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
        return new LeaseView(id, UUID.randomUUID(), gatewayAddress, PROVIDER, "http://localhost:8090", kind, resources,
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.of(1)), state, Instant.now(), null, null, null);
    }

    /** The storage gateway, with its grant for {@link #leaseId}. */
    RequestSpecification gateway() {
        return granted(leaseId);
    }

    /** The trusted storage gateway's grant for {@code lease} at this provider, valid for a minute from now. */
    static String grantFor(UUID lease) {
        return StorageGrant.issue(lease, PROVIDER, Instant.now(), Duration.ofSeconds(60), AgentTestResource.STORAGE_GATEWAY)
                .toToken();
    }

    static RequestSpecification granted(UUID lease) {
        return withGrant(grantFor(lease));
    }

    static RequestSpecification withGrant(String token) {
        return given().header("Authorization", StorageGrant.SCHEME + " " + token);
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
            granted(lease).contentType("application/octet-stream").body(block).put(blocks(lease) + cid).then().statusCode(404)
                    .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:lease-not-held"));
            granted(lease).get(blocks(lease) + cid).then().statusCode(404).body("type", equalTo("urn:agora:problem:lease-not-held"));
            granted(lease).get("/api/v1/storage/leases/" + lease).then().statusCode(404);
            granted(lease).delete("/api/v1/storage/leases/" + lease).then().statusCode(404);
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
    void aStorageGrantIsReusableWhileValidForEveryOperationOnItsLease() {
        String token = grantFor(leaseId);
        withGrant(token).contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        assertThat(withGrant(token).get(blocks(leaseId) + cid).then().statusCode(200).extract().asByteArray()).isEqualTo(block);
        withGrant(token).get("/api/v1/storage/leases/" + leaseId).then().statusCode(200).body("blocks", equalTo(1));
        withGrant(token).delete("/api/v1/storage/leases/" + leaseId).then().statusCode(204);
        assertThat(Files.exists(storedDir(leaseId))).isFalse();
    }

    /** Every storage operation on {@link #leaseId}, each expected to be refused with {@code status} and {@code slug}. */
    void everyOperationIsRefused(Supplier<RequestSpecification> caller, int status, String slug) {
        caller.get().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(status)
                .contentType("application/problem+json").body("type", equalTo("urn:agora:problem:" + slug));
        caller.get().get(blocks(leaseId) + cid).then().statusCode(status).body("type", equalTo("urn:agora:problem:" + slug));
        caller.get().contentType(ContentType.JSON).body(Map.of("cid", cid, "nonce", "00".repeat(32)))
                .post("/api/v1/storage/leases/" + leaseId + "/challenges").then().statusCode(status)
                .body("type", equalTo("urn:agora:problem:" + slug));
        caller.get().get("/api/v1/storage/leases/" + leaseId).then().statusCode(status).body("type", equalTo("urn:agora:problem:" + slug));
        caller.get().delete("/api/v1/storage/leases/" + leaseId).then().statusCode(status).body("type", equalTo("urn:agora:problem:" + slug));
    }

    /** Stores a block with a valid grant, so that a refused DELETE visibly deletes nothing. */
    Path storeOneBlock() {
        gateway().contentType("application/octet-stream").body(block).put(blocks(leaseId) + cid).then().statusCode(201);
        return storedDir(leaseId).resolve(Cid.parse(cid).blockKey());
    }

    @Test
    void withoutAGrantNothingIsStoredReadOrDeleted() throws Exception {
        Path stored = storeOneBlock();
        everyOperationIsRefused(() -> given(), 401, "grant-missing");
        everyOperationIsRefused(() -> given().auth().oauth2("a bearer token is not a grant"), 401, "grant-missing");
        assertThat(stored).exists();
        assertThat(Files.list(storedDir(leaseId)).count()).isEqualTo(1);
    }

    @Test
    void aForgedStorageGrantStoresReadsAndDeletesNothing() throws Exception {
        Path stored = storeOneBlock();
        String forged = StorageGrant.issue(leaseId, PROVIDER, Instant.now(), Duration.ofSeconds(60), AgentTestResource.FORGER)
                .toToken();
        everyOperationIsRefused(() -> withGrant(forged), 403, "grant-forged");
        everyOperationIsRefused(() -> withGrant("not-a-grant"), 403, "grant-forged");
        assertThat(stored).exists();
        assertThat(Files.list(storedDir(leaseId)).count()).isEqualTo(1);
    }

    @Test
    void aStorageGrantForAnotherLeaseStoresReadsAndDeletesNothing() throws Exception {
        Path stored = storeOneBlock();
        UUID other = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, lease(other, BidKind.STORAGE, LeaseState.ACTIVE)));
        everyOperationIsRefused(() -> granted(other), 403, "grant-mismatch");
        assertThat(stored).exists();
        assertThat(Files.list(storedDir(leaseId)).count()).isEqualTo(1);
    }

    @Test
    void anExpiredOrForeignStorageGrantStoresNothing() {
        String expired = StorageGrant.issue(leaseId, PROVIDER, Instant.now().minusSeconds(120), Duration.ofSeconds(60),
                AgentTestResource.STORAGE_GATEWAY).toToken();
        everyOperationIsRefused(() -> withGrant(expired), 403, "grant-expired");
        String otherProvider = StorageGrant.issue(leaseId, PersonalSignature.addressOf(AgentTestResource.FORGER), Instant.now(),
                Duration.ofSeconds(60), AgentTestResource.STORAGE_GATEWAY).toToken();
        everyOperationIsRefused(() -> withGrant(otherProvider), 403, "grant-other-provider");
        // the functions gateway's key is trusted for invocations, not for storage
        String byFunctions = StorageGrant.issue(leaseId, PROVIDER, Instant.now(), Duration.ofSeconds(60),
                AgentTestResource.FUNCTIONS_GATEWAY).toToken();
        everyOperationIsRefused(() -> withGrant(byFunctions), 403, "grant-forged");
        assertThat(Files.exists(storedDir(leaseId))).isFalse();
    }

    @Inject
    cloud.agora.agent.journal.ReceiptJournal journal;

    /**
     * The storage gateway's witnessed periods become receipts this provider signs and journals for shipping, once
     * each; a batch with a period a foreign key witnessed, one not yet ended or one before the lease began is refused
     * whole and journals nothing.
     */
    @Test
    void witnessedStoragePeriodsBecomeProviderSignedReceiptsOnceAndABadBatchJournalsNothing() {
        UUID held = UUID.randomUUID();
        Instant began = Instant.now().minus(Duration.ofHours(3));
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, new LeaseView(held, UUID.randomUUID(),
                gatewayAddress, PROVIDER, "http://localhost:8090", BidKind.STORAGE, new Resources(0, 0, 1),
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.of(1)), LeaseState.ACTIVE, began, null, null, null)));
        Duration hour = Duration.ofHours(1);
        java.util.List<Instant> ended = StoragePeriods.endedBetween(began, Instant.now(), hour);
        java.util.function.BiFunction<Instant, org.web3j.crypto.ECKeyPair, StoragePeriods.Witnessed> witnessed =
                (start, key) -> StoragePeriods.Witnessed.of(StoragePeriods.receipt(held, PROVIDER, gatewayAddress, start, hour)
                        .counterSignedByGateway(key));
        String periods = "/api/v1/storage/leases/" + held + "/periods";
        java.util.function.Function<java.util.List<StoragePeriods.Witnessed>, io.restassured.response.Response> send =
                list -> granted(held).contentType(ContentType.JSON).body(new StoragePeriods.WitnessedPeriods(list))
                        .post(periods);

        org.web3j.crypto.ECKeyPair stranger = cloud.agora.protocol.eth.KeyFiles.parse("33".repeat(32));
        Instant current = StoragePeriods.periodStart(Instant.now(), hour);
        for (StoragePeriods.Witnessed bad : java.util.List.of(witnessed.apply(ended.get(1), stranger),
                witnessed.apply(current, AgentTestResource.STORAGE_GATEWAY),
                witnessed.apply(StoragePeriods.periodStart(began, hour).minus(hour), AgentTestResource.STORAGE_GATEWAY))) {
            send.apply(java.util.List.of(witnessed.apply(ended.get(0), AgentTestResource.STORAGE_GATEWAY), bad)).then()
                    .statusCode(400).body("type", equalTo("urn:agora:problem:invalid-period"));
            assertThat(journal.get(StoragePeriods.periodId(held, ended.get(0), hour))).as("nothing journalled").isNull();
        }

        java.util.List<StoragePeriods.Witnessed> honest = ended.stream()
                .map(start -> witnessed.apply(start, AgentTestResource.STORAGE_GATEWAY)).toList();
        send.apply(honest).then().statusCode(200).body("accepted", equalTo(ended.size()));
        send.apply(honest).then().statusCode(200).body("accepted", equalTo(0));
        for (Instant start : ended) {
            cloud.agora.protocol.usage.UsageReceipt receipt = journal.get(StoragePeriods.periodId(held, start, hour));
            assertThat(receipt.consumer()).isEqualTo(gatewayAddress);
            assertThat(receipt.wallMillis()).isEqualTo(hour.toMillis());
            receipt.verifyProviderSignature(); // throws unless the provider signed it
            assertThat(receipt.gatewaySigner()).isEqualTo(PersonalSignature.addressOf(AgentTestResource.STORAGE_GATEWAY));
        }
    }
}
