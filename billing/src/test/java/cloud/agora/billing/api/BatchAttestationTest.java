package cloud.agora.billing.api;

import static cloud.agora.billing.Fixtures.agentCopy;
import static cloud.agora.billing.Fixtures.lease;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import cloud.agora.billing.BillingDevnetResource;
import cloud.agora.billing.Fixtures;
import cloud.agora.billing.domain.VoucherIssuer;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.InjectDevnet;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.usage.BatchAttestation;
import cloud.agora.protocol.usage.BatchInclusion;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import cloud.agora.testsupport.Wallet;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * Attestations in batches: a provider's batch (one signature over the root of its receipts' hashes) and a gateway's
 * witness batch (one signature over the root of the hashes it witnessed) rate each receipt once, in either order and
 * through redeliveries; a batch whose signature, root or signer is wrong rates nothing; a rated receipt's proof gives
 * its path to both signed roots. Real billing, PostgreSQL, Kafka and Anvil.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(BillingDevnetResource.class)
class BatchAttestationTest {

    static KafkaProducer<String, String> producer;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    VoucherIssuer issuer;

    @InjectDevnet
    Devnet devnet;

    @BeforeAll
    static void kafka() {
        producer = Fixtures.producer();
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    record Parties(Wallet provider, Wallet developer, LeaseView lease) {
    }

    Parties parties(Wallet developer) throws Exception {
        Wallet provider = Wallet.random();
        LeaseView lease = lease(developer.address(), provider.address());
        Fixtures.publishLease(producer, lease);
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM leases WHERE lease_id = ?", lease.id()) == 1);
        return new Parties(provider, developer, lease);
    }

    /** {@code n} receipts of the lease as the agent journals them (provider-signed, not witnessed). */
    static List<UsageReceipt> receipts(Parties p, int n) {
        List<UsageReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            receipts.add(agentCopy(p.lease(), p.provider().key(), 2_000_000L + 1_000L * i));
        }
        return receipts;
    }

    BigInteger expectedCharge(Parties p, List<UsageReceipt> receipts) {
        return receipts.stream().map(r -> Fixtures.terms(p.lease()).charge(r)).reduce(BigInteger.ZERO, BigInteger::add);
    }

    void awaitRated(Parties p, long count) {
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", p.lease().id()) >= count);
    }

    @Test
    void aProvidersBatchAndTheGatewaysWitnessBatchRateEachReceiptOnceInEitherOrderAndThroughRedeliveries() throws Exception {
        Parties p = parties(Wallet.random());
        Db db = new Db(dataSource);
        // the gateway's witness first (as in the platform: the gateway witnesses at the call, the agent ships later)
        List<UsageReceipt> first = receipts(p, 30);
        ReceiptBatch firstBatch = ReceiptBatch.sign(first, p.provider().key());
        Fixtures.publish(producer, Fixtures.envelope(Fixtures.witnessBatch(first)), Fixtures.envelope(firstBatch));
        awaitRated(p, 30);
        // then the provider's batch first: it waits for its witness, which rates it
        List<UsageReceipt> second = receipts(p, 20);
        ReceiptBatch secondBatch = ReceiptBatch.sign(second, p.provider().key());
        Fixtures.publish(producer, Fixtures.envelope(secondBatch));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM awaiting_witness WHERE provider_address = ?",
                p.provider().address().value()) == 20);
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", p.lease().id())).isEqualTo(30);
        assertThat(db.strings("SELECT DISTINCT provider_batch FROM awaiting_witness WHERE provider_address = ?",
                p.provider().address().value())).containsExactly(secondBatch.attestation().root());
        WitnessBatch secondWitness = Fixtures.witnessBatch(second);
        Fixtures.publish(producer, Fixtures.envelope(secondWitness));
        awaitRated(p, 50);
        // everything redelivered: nothing changes, nothing is quarantined
        Fixtures.publish(producer, Fixtures.envelope(firstBatch), Fixtures.envelope(secondWitness), Fixtures.envelope(secondBatch),
                Fixtures.envelope(Fixtures.witnessBatch(first)));
        // a marker receipt after the redeliveries: once it is rated, the redeliveries before it were processed
        List<UsageReceipt> marker = receipts(p, 1);
        Fixtures.publish(producer, Fixtures.envelope(Fixtures.witnessBatch(marker)), Fixtures.envelope(ReceiptBatch.sign(marker, p.provider().key())));
        awaitRated(p, 51);
        List<UsageReceipt> all = new ArrayList<>(first);
        all.addAll(second);
        all.addAll(marker);
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", p.lease().id())).isEqualTo(51);
        assertThat(db.number("SELECT sum(charge) FROM receipts WHERE lease_id = ?", p.lease().id())).isEqualTo(expectedCharge(p, all));
        assertThat(db.number("SELECT charged FROM usage_totals WHERE lease_id = ?", p.lease().id())).isEqualTo(expectedCharge(p, all));
        assertThat(db.count("SELECT receipts FROM usage_totals WHERE lease_id = ?", p.lease().id())).isEqualTo(51);
        assertThat(db.count("SELECT count(*) FROM quarantine WHERE lease_id = ?", p.lease().id())).isZero();
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id = ?", p.lease().id())).isZero();
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ? AND provider_batch = ? AND gateway_batch = ?",
                p.lease().id(), secondBatch.attestation().root(), secondWitness.attestation().root())).isEqualTo(20);
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ? AND gateway_address = ?", p.lease().id(),
                Fixtures.GATEWAY.address().value())).isEqualTo(51);
    }

    /** Publishes {@code records}, then a marker batch of another lease, and returns once the marker is rated. */
    void publishAndDrain(String... records) throws Exception {
        Parties marker = parties(Wallet.random());
        List<UsageReceipt> receipts = receipts(marker, 1);
        Fixtures.publish(producer, records);
        Fixtures.publish(producer, Fixtures.envelope(Fixtures.witnessBatch(receipts)),
                Fixtures.envelope(ReceiptBatch.sign(receipts, marker.provider().key())));
        awaitRated(marker, 1);
    }

    void assertNothingCharged(Parties p) {
        Db db = new Db(dataSource);
        assertThat(db.count("SELECT count(*) FROM receipts WHERE lease_id = ?", p.lease().id())).as("rated").isZero();
        assertThat(db.count("SELECT count(*) FROM usage_totals WHERE lease_id = ?", p.lease().id())).as("totals").isZero();
        assertThat(db.count("SELECT count(*) FROM pairs WHERE consumer_address = ?", p.developer().address().value())).as("pairs").isZero();
    }

    @Test
    void aProvidersBatchWithAForgedSignatureAWrongRootOrAnotherProvidersReceiptChargesNothing() throws Exception {
        Parties p = parties(Wallet.random());
        Parties other = parties(Wallet.random());
        Db db = new Db(dataSource);
        // signed by a stranger in the provider's name
        List<UsageReceipt> forged = receipts(p, 3);
        BatchAttestation strangers = BatchAttestation.sign(forged.stream().map(UsageReceipt::hash).toList(), Wallet.random().key());
        ReceiptBatch forgedBatch = new ReceiptBatch(new BatchAttestation(p.provider().address(), strangers.root(), strangers.signature()), forged);
        // the provider's batch with one receipt inflated after signing: the root no longer matches
        List<UsageReceipt> signedOnes = receipts(p, 3);
        ReceiptBatch honest = ReceiptBatch.sign(signedOnes, p.provider().key());
        List<UsageReceipt> tampered = new ArrayList<>(signedOnes);
        UsageReceipt t = signedOnes.get(0);
        tampered.set(0, new UsageReceipt(t.invocationId(), t.leaseId(), t.provider(), t.consumer(), t.cpuNanos() + 1, t.peakMemoryBytes(),
                t.memoryMibMillis(), t.wallMillis(), t.bytesIn(), t.bytesOut(), t.startedAt(), t.endedAt(), t.grant(), null, null));
        ReceiptBatch tamperedBatch = new ReceiptBatch(honest.attestation(), tampered);
        // the provider attests a batch holding another provider's receipt
        List<UsageReceipt> mixed = new ArrayList<>(receipts(p, 1));
        mixed.add(receipts(other, 1).get(0));
        ReceiptBatch mixedBatch = ReceiptBatch.sign(mixed, p.provider().key());
        List<UsageReceipt> everything = new ArrayList<>(forged);
        everything.addAll(tampered);
        everything.addAll(mixed);
        // even witnessed by the trusted gateway, none of them is rated
        publishAndDrain(Fixtures.envelope(Fixtures.witnessBatch(everything)), Fixtures.envelope(forgedBatch),
                Fixtures.envelope(tamperedBatch), Fixtures.envelope(mixedBatch));
        assertNothingCharged(p);
        assertNothingCharged(other);
        for (UsageReceipt r : everything) {
            assertThat(db.strings("SELECT reason FROM quarantine WHERE invocation_id = ?", r.invocationId()))
                    .as("receipt %s", r.invocationId()).containsExactly("bad-provider-signature");
        }
        assertThat(db.strings("SELECT detail FROM quarantine WHERE invocation_id = ?", tampered.get(1).invocationId()))
                .singleElement().asString().contains("is not the root");
        assertThat(db.strings("SELECT detail FROM quarantine WHERE invocation_id = ?", mixed.get(0).invocationId()))
                .singleElement().asString().contains("batch is attested by");
    }

    @Test
    void aWitnessBatchByAnUntrustedKeyOrWithAWrongRootWitnessesNothing() throws Exception {
        Parties p = parties(Wallet.random());
        Db db = new Db(dataSource);
        List<UsageReceipt> receipts = receipts(p, 4);
        WitnessBatch untrusted = WitnessBatch.sign(receipts.stream().map(UsageReceipt::hash).toList(), Wallet.random().key());
        WitnessBatch honest = Fixtures.witnessBatch(receipts.subList(0, 2));
        // the trusted gateway's signature over two hashes, presented as covering all four
        WitnessBatch stretched = new WitnessBatch(honest.attestation(), ReceiptBatch.hex(receipts.stream().map(UsageReceipt::hash).toList()));
        publishAndDrain(Fixtures.envelope(untrusted), Fixtures.envelope(stretched),
                Fixtures.envelope(ReceiptBatch.sign(receipts, p.provider().key())));
        assertNothingCharged(p);
        assertThat(db.count("SELECT count(*) FROM awaiting_witness WHERE lease_id = ?", p.lease().id())).as("still waiting").isEqualTo(4);
        assertThat(db.strings("SELECT reason FROM quarantine WHERE payload LIKE ?", "%" + untrusted.attestation().root() + "%"))
                .containsExactly("bad-gateway-signature");
        assertThat(db.strings("SELECT detail FROM quarantine WHERE payload LIKE ?", "%" + untrusted.attestation().root() + "%"))
                .singleElement().asString().contains("not a platform gateway");
        assertThat(db.strings("SELECT detail FROM quarantine WHERE reason = 'bad-gateway-signature' AND payload LIKE ?",
                "%" + receipts.get(3).hashHex() + "%")).anySatisfy(d -> assertThat(d).contains("is not the root"));
        assertThat(db.count("SELECT count(*) FROM witnessed WHERE receipt_hash = ?", receipts.get(3).hashHex())).isZero();
    }

    @Test
    void aBatchAttestedReceiptsProofGivesItsPathToBothSignedRootsAndTheVoucherRoot() throws Exception {
        Signer developer = devnet.newAccount();
        devnet.escrow().deposit(developer, Wei.parse("1000000000000000000"));
        devnet.escrow().authorize(developer, devnet.account(4).address(), Wei.parse("1000000000000000000"));
        Parties p = parties(Wallet.of(developer.key()));
        List<UsageReceipt> receipts = receipts(p, 7);
        // attested by the batch alone: no receipt carries a signature of its own
        List<UsageReceipt> bare = receipts.stream().map(r -> new UsageReceipt(r.invocationId(), r.leaseId(), r.provider(), r.consumer(),
                r.cpuNanos(), r.peakMemoryBytes(), r.memoryMibMillis(), r.wallMillis(), r.bytesIn(), r.bytesOut(), r.startedAt(),
                r.endedAt(), r.grant(), null, null)).toList();
        ReceiptBatch batch = ReceiptBatch.sign(bare, p.provider().key());
        WitnessBatch witness = Fixtures.witnessBatch(bare.subList(2, 7));
        WitnessBatch rest = Fixtures.witnessBatch(bare.subList(0, 2));
        Fixtures.publish(producer, Fixtures.envelope(witness));
        // the provider's batch over HTTPS, as a remote agent sends it
        String token = p.provider().signIn();
        given().auth().oauth2(token).contentType(ContentType.JSON).body(JsonCodec.write(batch)).post("/api/v1/usage/batches")
                .then().statusCode(200).body("rated", equalTo(5)).body("awaitingWitness", hasSize(2));
        Fixtures.publish(producer, Fixtures.envelope(rest));
        awaitRated(p, 7);
        assertThat(issuer.issue(p.developer().address(), p.provider().address())).isPresent();
        SignerKeys keys = new SignerKeys();
        for (UsageReceipt r : bare) {
            ReceiptResource.Proof proof = JsonCodec.read(given().auth().oauth2(token).get("/api/v1/receipts/" + r.invocationId() + "/proof")
                    .then().statusCode(200).extract().asString(), ReceiptResource.Proof.class);
            byte[] leaf = r.hash();
            assertThat(proof.receiptHash()).isEqualTo(r.hashHex());
            assertThat(proof.receipt().providerSignature()).isNull();
            assertThat(ReceiptMerkleTree.verify(proof.proof().stream().map(Numeric::hexStringToByteArray).toList(),
                    proof.voucher().voucher().voucher().receiptsRoot().toBytes(), leaf)).isTrue();
            BatchInclusion provider = proof.providerBatch();
            assertThat(provider.attestation()).isEqualTo(batch.attestation());
            assertThat(provider.covers(leaf)).isTrue();
            assertThat(provider.attestation().signatureValid(keys)).isTrue();
            BatchInclusion gateway = proof.witnessBatch();
            assertThat(gateway.attestation().signer()).isEqualTo(Fixtures.GATEWAY.address());
            assertThat(gateway.attestation()).isIn(witness.attestation(), rest.attestation());
            assertThat(gateway.covers(leaf)).isTrue();
            assertThat(gateway.attestation().signatureValid(keys)).isTrue();
        }
    }
}
