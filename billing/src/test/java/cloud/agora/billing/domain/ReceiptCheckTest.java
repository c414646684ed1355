package cloud.agora.billing.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.protocol.usage.UsageReceipt;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/** The pure checks: a trusted gateway is required, and the bounds' reasons are billing's quarantine reasons. */
class ReceiptCheckTest {

    static BillingConfig gateways(Optional<List<String>> gateways) {
        return (BillingConfig) Proxy.newProxyInstance(BillingConfig.class.getClassLoader(), new Class<?>[]{BillingConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("gateways")) {
                        return gateways;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void billingRefusesToStartWithoutATrustedGateway() {
        assertThatThrownBy(() -> UsageRater.trustedGateways(gateways(Optional.empty())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("agora.billing.gateways")
                .hasMessageContaining("AGORA_BILLING_GATEWAYS");
        assertThatThrownBy(() -> UsageRater.trustedGateways(gateways(Optional.of(List.of(" ")))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new ReceiptCheck(Set.of(), Duration.ofSeconds(30))).isInstanceOf(IllegalArgumentException.class);
        assertThat(UsageRater.trustedGateways(gateways(Optional.of(List.of("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720")))))
                .containsExactly(new Address("0xa0ee7a142d267c1f36714e4a8f75612f20a79720"));
    }

    @Test
    void theBoundsReasonsAreQuarantineReasons() {
        assertThat(ReceiptBounds.NO_GRANT).isEqualTo(Rejection.Reasons.NO_GRANT);
        assertThat(ReceiptBounds.GRANT_MISMATCH).isEqualTo(Rejection.Reasons.GRANT_MISMATCH);
        assertThat(ReceiptBounds.OUT_OF_BOUNDS).isEqualTo(Rejection.Reasons.OUT_OF_BOUNDS);
    }

    @Test
    void aLeaseWhoseResourcesBillingDoesNotKnowBoundsNothing() throws Exception {
        ECKeyPair gateway = Keys.createEcKeyPair();
        Address provider = new Address("0x" + "1".repeat(40));
        Address consumer = new Address("0x" + "2".repeat(40));
        UUID id = UUID.randomUUID();
        UUID lease = UUID.randomUUID();
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        UsageReceipt receipt = UsageReceipt.unsigned(id, lease, provider, consumer, 1_000, 1 << 20, 100, 0, 0, start,
                start.plusMillis(100), InvocationGrant.unsigned(id, lease, provider, consumer, "bafy", 1_000, start,
                        Duration.ofSeconds(30)).signedBy(gateway));
        ReceiptCheck check = new ReceiptCheck(Set.of(new Address("0x" + Keys.getAddress(gateway))), Duration.ofSeconds(30));
        LeaseTerms known = new LeaseTerms(lease, consumer, provider, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE, null, 1_000L, 64L);
        LeaseTerms legacy = new LeaseTerms(lease, consumer, provider, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE, null, null, null);
        assertThat(check.lease(receipt, Optional.of(known))).isEmpty();
        assertThat(check.lease(receipt, Optional.of(legacy))).get().extracting(Rejection::reason).isEqualTo("out-of-bounds");
        LeaseTerms closedBefore = new LeaseTerms(lease, consumer, provider, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE,
                start.minusMillis(1), 1_000L, 64L);
        assertThat(check.lease(receipt, Optional.of(closedBefore))).get().extracting(Rejection::reason).isEqualTo("outside-lease");
    }

    @Test
    void aStorageGatewayWitnessesNoCallsAndAFunctionsGatewayNoStoragePeriods() throws Exception {
        ECKeyPair functionsGateway = Keys.createEcKeyPair();
        ECKeyPair storageGateway = Keys.createEcKeyPair();
        ECKeyPair providerKey = Keys.createEcKeyPair();
        Address provider = new Address("0x" + Keys.getAddress(providerKey));
        Address consumer = new Address("0x" + "2".repeat(40));
        ReceiptCheck check = new ReceiptCheck(Set.of(new Address("0x" + Keys.getAddress(functionsGateway))),
                Set.of(new Address("0x" + Keys.getAddress(storageGateway))), Duration.ofHours(1), Duration.ofSeconds(30));
        UUID id = UUID.randomUUID();
        UUID lease = UUID.randomUUID();
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        UsageReceipt call = UsageReceipt.unsigned(id, lease, provider, consumer, 1_000, 1 << 20, 100, 0, 0, start,
                start.plusMillis(100), InvocationGrant.unsigned(id, lease, provider, consumer, "bafy", 1_000, start,
                        Duration.ofSeconds(30)).signedBy(functionsGateway)).signedByProvider(providerKey);
        assertThat(check.signatures(call.counterSignedByGateway(functionsGateway))).isEmpty();
        assertThat(check.signatures(call.counterSignedByGateway(storageGateway))).get().extracting(Rejection::reason)
                .isEqualTo("bad-gateway-signature");

        // a call without a grant on a compute lease is never rated, whoever witnessed it (the storage gateway's
        // signature passes the first check, since it could be a storage period's)
        LeaseTerms compute = new LeaseTerms(lease, consumer, provider, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE, null,
                1_000L, 64L);
        UsageReceipt grantless = UsageReceipt.unsigned(id, lease, provider, consumer, 1_000, 1 << 20, 100, 0, 0, start,
                start.plusMillis(100), null).signedByProvider(providerKey).counterSignedByGateway(storageGateway);
        assertThat(check.signatures(grantless)).isEmpty();
        assertThat(check.lease(grantless, Optional.of(compute))).get().extracting(Rejection::reason).isEqualTo("no-grant");

        // a storage lease's period: only the storage gateway's witness on the receipt itself rates it
        LeaseTerms storage = new LeaseTerms(lease, consumer, provider, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO,
                null, 0L, 0L, new LeaseTerms.Storage(2, BigInteger.TEN, start.minusSeconds(600)));
        UsageReceipt period = cloud.agora.protocol.usage.StoragePeriods.receipt(lease, provider, consumer, start,
                Duration.ofHours(1)).signedByProvider(providerKey);
        assertThat(check.lease(period.counterSignedByGateway(storageGateway), Optional.of(storage))).isEmpty();
        assertThat(check.lease(period.counterSignedByGateway(functionsGateway), Optional.of(storage))).get()
                .extracting(Rejection::reason).isEqualTo("bad-gateway-signature");
        assertThat(check.lease(period, Optional.of(storage))).get().extracting(Rejection::reason).isEqualTo("unwitnessed");
        // the lease closed before the period began
        LeaseTerms closed = new LeaseTerms(lease, consumer, provider, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO,
                start, 0L, 0L, storage.storage());
        assertThat(check.lease(period.counterSignedByGateway(storageGateway), Optional.of(closed))).get()
                .extracting(Rejection::reason).isEqualTo("outside-lease");
    }
}
