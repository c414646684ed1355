package cloud.agora.billing;

import cloud.agora.billing.domain.LeaseTerms;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.ReceiptBatch;
import cloud.agora.protocol.usage.UsageEvents;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.protocol.usage.WitnessBatch;
import cloud.agora.testsupport.EventKeys;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.Wallet;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.web3j.crypto.ECKeyPair;

/**
 * Leases and receipts for tests, published the way the marketplace, the agents and the gateway publish them: every
 * receipt names a gateway grant, lies within its grant's and lease's bounds and, unless it is the agent's copy, is
 * counter-signed (witnessed) by {@link #GATEWAY}.
 */
public final class Fixtures {

    public static final Prices PRICES = new Prices(Wei.of(1_000_000), Wei.of(300_000), Wei.of(5_000), Wei.of(1));
    /** A lease's resources: 2 cores, 512 MiB. */
    public static final Resources RESOURCES = new Resources(2_000, 512, 0);
    /** The grants' timeout. */
    public static final long TIMEOUT_MILLIS = 30_000;
    /** Anvil's well-known dev account 9: the platform gateway of the tests ({@code agora.billing.gateways}). */
    public static final Wallet GATEWAY = Wallet.of(ECKeyPair.create(new BigInteger(
            "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6", 16)));

    /** Anvil's well-known dev account 8: the storage gateway of the tests ({@code agora.billing.storage-gateways}). */
    public static final Wallet STORAGE_GATEWAY = Wallet.of(ECKeyPair.create(new BigInteger(
            "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97", 16)));
    /** A storage lease's prices: only the GiB-month one counts. */
    public static final Prices STORAGE_PRICES = new Prices(Wei.ZERO, Wei.ZERO, Wei.ZERO, Wei.of(2_592_000_000_000L));

    private Fixtures() {
    }

    /** A storage lease of {@code gib} GiB that began {@code age} ago. */
    public static LeaseView storageLease(Address owner, Address provider, long gib, Duration age) {
        return new LeaseView(UUID.randomUUID(), UUID.randomUUID(), owner, provider, "http://agent.example", BidKind.STORAGE,
                new Resources(0, 0, gib), STORAGE_PRICES, LeaseState.ACTIVE, Instant.now().minus(age), null, null, null);
    }

    public static LeaseView lease(Address owner, Address provider) {
        return new LeaseView(UUID.randomUUID(), UUID.randomUUID(), owner, provider, "http://agent.example", BidKind.COMPUTE,
                RESOURCES, PRICES, LeaseState.ACTIVE, Instant.now().minusSeconds(3600), null, null, null);
    }

    /** The same lease, closed at {@code closedAt}. */
    public static LeaseView closed(LeaseView lease, Instant closedAt) {
        return new LeaseView(lease.id(), lease.bidId(), lease.owner(), lease.provider(), lease.providerEndpoint(), lease.kind(),
                lease.resources(), lease.prices(), LeaseState.CLOSED, lease.createdAt(), closedAt, lease.owner(), "closed by its owner");
    }

    /** Billing's terms of {@code lease} (to compute expected charges). */
    public static LeaseTerms terms(LeaseView lease) {
        return new LeaseTerms(lease.id(), lease.owner(), lease.provider(), lease.prices().perVcpuSecond().value(),
                lease.prices().perGiBSecond().value(), lease.prices().perInvocation().value(), lease.closedAt(),
                lease.resources().cpuMillis(), lease.resources().memoryMiB());
    }

    /** The gateway's grant of invocation {@code invocationId} on {@code lease}, issued just before {@code start}. */
    public static InvocationGrant grant(UUID invocationId, LeaseView lease, Instant start) {
        return InvocationGrant.unsigned(invocationId, lease.id(), lease.provider(), lease.owner(), "bafybeigdyrztestbundle",
                TIMEOUT_MILLIS, start.minusMillis(200), Duration.ofSeconds(30)).signedBy(GATEWAY.key());
    }

    /** The agent's copy of a granted receipt within bounds: signed by the provider, not witnessed. */
    public static UsageReceipt agentCopy(LeaseView lease, ECKeyPair providerKey, long cpuNanos) {
        Instant start = Instant.now().minusSeconds(60);
        UUID id = UUID.randomUUID();
        long wall = 500 + cpuNanos % 7;
        return UsageReceipt.unsigned(id, lease.id(), lease.provider(), lease.owner(), cpuNanos,
                64L * 1024 * 1024 + cpuNanos % 1000, wall, 100, 200, start, start.plusMillis(wall), grant(id, lease, start))
                .signedByProvider(providerKey);
    }

    /** The gateway's copy of a granted receipt within bounds: signed by the provider, witnessed by {@link #GATEWAY}. */
    public static UsageReceipt receipt(LeaseView lease, ECKeyPair providerKey, long cpuNanos) {
        return witnessed(agentCopy(lease, providerKey, cpuNanos));
    }

    /** {@code receipt} counter-signed by {@link #GATEWAY}. */
    public static UsageReceipt witnessed(UsageReceipt receipt) {
        return receipt.counterSignedByGateway(GATEWAY.key());
    }

    public static KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    public static void publishLease(KafkaProducer<String, String> producer, LeaseView lease) throws Exception {
        EventEnvelope<LeaseView> event = EventEnvelope.of(MarketEvents.LEASE_CREATED, MarketEvents.SOURCE, lease.createdAt(),
                lease.id().toString(), lease);
        producer.send(EventKeys.signed(Topics.MARKETPLACE_LEASES, lease.id().toString(), JsonCodec.write(event))).get();
    }

    /** As the agent's KafkaUsageSink ships them: envelope id = invocation id, key = lease id. */
    public static void publishReceipts(KafkaProducer<String, String> producer, List<UsageReceipt> receipts) throws Exception {
        for (UsageReceipt r : receipts) {
            producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, r.leaseId().toString(), envelope(r)));
        }
        producer.flush();
    }

    public static String envelope(UsageReceipt r) {
        return JsonCodec.write(new EventEnvelope<>(r.invocationId().toString(), UsageEvents.RECEIPT, "provider-agent", r.endedAt(),
                r.leaseId().toString(), r));
    }

    /** A provider's batch record: envelope id = batch root, key = provider. */
    public static String envelope(ReceiptBatch batch) {
        return JsonCodec.write(new EventEnvelope<>(batch.attestation().root(), UsageEvents.RECEIPT_BATCH, "provider-agent",
                Instant.now(), batch.attestation().signer().value(), batch));
    }

    /** A gateway's witness batch record: envelope id = batch root, key = gateway. */
    public static String envelope(WitnessBatch batch) {
        return JsonCodec.write(new EventEnvelope<>(batch.attestation().root(), UsageEvents.WITNESS_BATCH, "functions",
                Instant.now(), batch.attestation().signer().value(), batch));
    }

    /** {@link #GATEWAY}'s witness batch of {@code receipts}. */
    public static WitnessBatch witnessBatch(List<UsageReceipt> receipts) {
        return WitnessBatch.sign(receipts.stream().map(UsageReceipt::hash).toList(), GATEWAY.key());
    }

    /** Publishes the records (batches' envelopes) in order and waits for the broker's acks. */
    public static void publish(KafkaProducer<String, String> producer, String... envelopes) throws Exception {
        for (String envelope : envelopes) {
            producer.send(new ProducerRecord<>(Topics.USAGE_RECEIPTS, "batch", envelope)).get();
        }
    }
}
