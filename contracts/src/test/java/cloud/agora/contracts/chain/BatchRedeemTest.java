package cloud.agora.contracts.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.contracts.GasReport;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code redeemMany}: a provider redeems many developers' delegate-signed vouchers in one transaction, is paid once,
 * and a voucher that {@code redeem} would refuse is skipped, not fatal. Gas per voucher and per invocation.
 */
@ExtendWith(DevnetExtension.class)
class BatchRedeemTest {

    private static final Wei ONE_ETH = new Wei(BigInteger.TEN.pow(18));
    /** An invocation's price in this test's vouchers (a voucher pays for {@link #CALLS_PER_VOUCHER} of them). */
    private static final long PRICE = 123_456_789L;
    private static final int CALLS_PER_VOUCHER = 1_000;
    /** The voucher period at which a batched, delegate-signed redeem costs at most 20 gas per invocation. */
    private static final int TUNED_CALLS_PER_VOUCHER = 1_250;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Devnet devnet;
    private final Escrow escrow;
    private Signer delegate;
    private Signer provider;
    private String snapshot;

    BatchRedeemTest(Devnet devnet) {
        this.devnet = devnet;
        this.escrow = devnet.escrow();
    }

    @BeforeEach
    void freshParties() {
        snapshot = devnet.snapshot();
        delegate = devnet.newAccount();
        provider = devnet.newAccount();
    }

    @AfterEach
    void revert() {
        devnet.revert(snapshot);
    }

    @Test
    void paysEveryConsumersIncrementOnceAndCostsAtMostTwentyGasPerInvocationWithTheTunedPeriod() {
        int count = 100;
        List<Signer> consumers = consumers(count);
        BatchRedemption first = escrow.redeemMany(provider, vouchers(consumers, 1));
        assertThat(first.skipped()).isEmpty();
        assertThat(first.paid()).hasSize(count);

        Wei providerBefore = devnet.chain().etherBalance(provider.address());
        Wei feesBefore = escrow.accruedFees();
        BatchRedemption later = escrow.redeemMany(provider, vouchers(consumers, 2));

        Wei increment = Wei.of(PRICE * CALLS_PER_VOUCHER);
        Wei fee = Wei.of(PRICE * CALLS_PER_VOUCHER / 100);
        assertThat(later.skipped()).isEmpty();
        assertThat(later.paid()).extracting(BatchRedemption.Paid::consumer)
                .containsExactlyElementsOf(consumers.stream().map(Signer::address).toList());
        assertThat(later.paid()).allSatisfy(p -> {
            assertThat(p.redemption().payment()).isEqualTo(increment.minus(fee));
            assertThat(p.redemption().fee()).isEqualTo(fee);
            assertThat(p.redemption().redeemed()).isEqualTo(Wei.of(2 * PRICE * CALLS_PER_VOUCHER));
        });
        assertThat(devnet.chain().etherBalance(provider.address()))
                .isEqualTo(providerBefore.plus(later.payment()).minus(later.receipt().cost()));
        assertThat(later.payment()).isEqualTo(new Wei(increment.minus(fee).value().multiply(BigInteger.valueOf(count))));
        assertThat(escrow.accruedFees()).isEqualTo(feesBefore.plus(later.fee()));
        for (Signer consumer : consumers) {
            assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(Wei.of(2 * PRICE * CALLS_PER_VOUCHER));
            assertThat(escrow.delegation(consumer.address()).spent()).isEqualTo(Wei.of(2 * PRICE * CALLS_PER_VOUCHER));
        }

        BigInteger perVoucher = later.receipt().gasUsed().divide(BigInteger.valueOf(count));
        GasReport.record("redeemMany, first, 100 vouchers (delegate)", first.receipt().gasUsed());
        GasReport.record("redeemMany, later, 100 vouchers (delegate)", later.receipt().gasUsed());
        GasReport.record("  per voucher", perVoucher);
        GasReport.record("  per invocation at 1,000 per voucher", perVoucher.divide(BigInteger.valueOf(CALLS_PER_VOUCHER)));
        GasReport.record("  per invocation at 1,250 per voucher", perVoucher.divide(BigInteger.valueOf(TUNED_CALLS_PER_VOUCHER)));
        assertThat(perVoucher).isLessThanOrEqualTo(BigInteger.valueOf(25L * CALLS_PER_VOUCHER));
        assertThat(perVoucher).isLessThanOrEqualTo(BigInteger.valueOf(20L * TUNED_CALLS_PER_VOUCHER));
    }

    @Test
    void measuresWhatEachFurtherVoucherAdds() {
        List<Signer> consumers = consumers(11);
        escrow.redeemMany(provider, vouchers(consumers, 1));
        BatchRedemption one = escrow.redeemMany(provider, vouchers(consumers.subList(0, 1), 2));
        BatchRedemption ten = escrow.redeemMany(provider, vouchers(consumers.subList(1, 11), 2));
        BigInteger marginal = ten.receipt().gasUsed().subtract(one.receipt().gasUsed()).divide(BigInteger.valueOf(9));
        GasReport.record("redeemMany, later, 1 voucher (delegate)", one.receipt().gasUsed());
        GasReport.record("redeemMany, later, 10 vouchers (delegate)", ten.receipt().gasUsed());
        GasReport.record("  each further voucher", marginal);
        assertThat(marginal).isLessThanOrEqualTo(BigInteger.valueOf(20L * TUNED_CALLS_PER_VOUCHER));
    }

    @Test
    void skipsAndReportsTheVouchersRedeemWouldRefuseAndPaysTheOthers() {
        List<Signer> consumers = consumers(4);
        List<SignedVoucher> vouchers = new ArrayList<>(vouchers(consumers, 1));
        // consumer 0's voucher is redeemed by someone else first: stale in the batch
        escrow.redeem(devnet.newAccount(), vouchers.get(0));
        // consumer 1's voucher is signed by a stranger
        Signer stranger = devnet.newAccount();
        vouchers.set(1, SignedVoucher.sign(escrow.domain(), vouchers.get(1).voucher(), stranger.key()));
        Wei providerBefore = devnet.chain().etherBalance(provider.address());

        BatchRedemption batch = escrow.redeemMany(provider, vouchers);

        assertThat(batch.skipped()).extracting(BatchRedemption.Skipped::consumer, BatchRedemption.Skipped::error)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(consumers.get(0).address(), "AgoraEscrowStaleVoucher"),
                        org.assertj.core.groups.Tuple.tuple(consumers.get(1).address(), "AgoraEscrowUnauthorizedSigner"));
        assertThat(batch.skipped().get(1).args()).containsExactly(stranger.address(), consumers.get(1).address());
        assertThat(batch.paid()).extracting(BatchRedemption.Paid::consumer)
                .containsExactly(consumers.get(2).address(), consumers.get(3).address());
        assertThat(devnet.chain().etherBalance(provider.address()))
                .isEqualTo(providerBefore.plus(batch.payment()).minus(batch.receipt().cost()));
        assertThat(escrow.redeemed(consumers.get(1).address(), provider.address())).isEqualTo(Wei.ZERO);
        assertThat(escrow.balanceOf(consumers.get(1).address())).isEqualTo(ONE_ETH);
        assertThat(escrow.redeemed(consumers.get(3).address(), provider.address())).isEqualTo(Wei.of(PRICE * CALLS_PER_VOUCHER));
    }

    @Test
    void aBatchForSeveralProvidersOrWithoutVouchersRevertsWhole() {
        List<Signer> consumers = consumers(2);
        List<SignedVoucher> vouchers = new ArrayList<>(vouchers(consumers, 1));
        Signer other = devnet.newAccount();
        Voucher foreign = new Voucher(consumers.get(1).address(), other.address(), Wei.of(1_000L), Bytes32.ZERO);
        vouchers.set(1, SignedVoucher.sign(escrow.domain(), foreign, delegate.key()));
        assertThatThrownBy(() -> escrow.redeemMany(provider, vouchers))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("AgoraEscrowMixedProviders");
                    assertThat(e.args()).containsExactly(provider.address(), other.address());
                });
        assertThat(escrow.redeemed(consumers.get(0).address(), provider.address())).isEqualTo(Wei.ZERO);
        assertThatThrownBy(() -> escrow.redeemMany(provider, List.of()))
                .isInstanceOfSatisfying(ContractRevertedException.class,
                        e -> assertThat(e.error()).isEqualTo("AgoraEscrowBatchLengthMismatch"));
    }

    @Test
    void twoVouchersOfOnePairInABatchPayTheirIncrementsInOrder() {
        Signer consumer = consumers(1).get(0);
        SignedVoucher first = voucher(consumer, 1_000_000L);
        SignedVoucher second = voucher(consumer, 3_000_000L);
        BatchRedemption batch = escrow.redeemMany(provider, List.of(first, second, first));
        assertThat(batch.paid()).extracting(p -> p.redemption().redeemed())
                .containsExactly(Wei.of(1_000_000L), Wei.of(3_000_000L));
        assertThat(batch.skipped()).extracting(BatchRedemption.Skipped::error).containsExactly("AgoraEscrowStaleVoucher");
        assertThat(batch.payment().plus(batch.fee())).isEqualTo(Wei.of(3_000_000L));
    }

    /** {@code count} consumers, each with 1 ETH deposited and {@link #delegate} authorized for 1 ETH. */
    private List<Signer> consumers(int count) {
        List<Signer> consumers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Signer consumer = devnet.newAccount();
            escrow.deposit(consumer, ONE_ETH);
            escrow.authorize(consumer, delegate.address(), ONE_ETH);
            consumers.add(consumer);
        }
        return consumers;
    }

    /** Each consumer's voucher for {@code periods} × 1,000 invocations, signed by the delegate. */
    private List<SignedVoucher> vouchers(List<Signer> consumers, int periods) {
        return consumers.stream().map(c -> voucher(c, periods * PRICE * CALLS_PER_VOUCHER)).toList();
    }

    private SignedVoucher voucher(Signer consumer, long cumulativeAmount) {
        byte[] root = new byte[32];
        RANDOM.nextBytes(root);
        return SignedVoucher.sign(escrow.domain(),
                new Voucher(consumer.address(), provider.address(), Wei.of(cumulativeAmount), Bytes32.of(root)), delegate.key());
    }
}
