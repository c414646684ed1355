package cloud.agora.contracts.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.contracts.GasReport;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** AgoraEscrow on a real Anvil: deposits, vouchers, redeem, the rejected vouchers, withdrawals. Fee: 1 %. */
@ExtendWith(DevnetExtension.class)
class EscrowTest {

    private static final Wei ONE_ETH = new Wei(BigInteger.TEN.pow(18));
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Devnet devnet;
    private final Escrow escrow;
    private Signer consumer;
    private Signer provider;
    private Signer delegate;
    private Signer submitter;

    EscrowTest(Devnet devnet) {
        this.devnet = devnet;
        this.escrow = devnet.escrow();
    }

    @BeforeEach
    void freshAccounts() {
        consumer = devnet.newAccount();
        provider = devnet.newAccount();
        delegate = devnet.newAccount();
        submitter = devnet.newAccount();
    }

    @Test
    void redeemsExactlyTheIncrementAndTheFee() {
        TxReceipt deposit = escrow.deposit(consumer, ONE_ETH);
        TxReceipt authorize = escrow.authorize(consumer, delegate.address(), ONE_ETH);
        Wei providerBefore = devnet.chain().etherBalance(provider.address());

        SignedVoucher first = voucher(delegate, 1_000_000_000_000L);
        SignedVoucher second = voucher(delegate, 3_500_000_000_000L);
        Redemption firstRedemption = escrow.redeem(submitter, first);
        Redemption secondRedemption = escrow.redeem(submitter, second);

        assertThat(firstRedemption.payment()).isEqualTo(Wei.of(990_000_000_000L));
        assertThat(firstRedemption.fee()).isEqualTo(Wei.of(10_000_000_000L));
        assertThat(secondRedemption.payment()).isEqualTo(Wei.of(2_475_000_000_000L));
        assertThat(secondRedemption.fee()).isEqualTo(Wei.of(25_000_000_000L));
        assertThat(secondRedemption.redeemed()).isEqualTo(Wei.of(3_500_000_000_000L));
        assertThat(secondRedemption.receiptsRoot()).isEqualTo(second.voucher().receiptsRoot());
        assertThat(devnet.chain().etherBalance(provider.address()))
                .isEqualTo(providerBefore.plus(Wei.of(990_000_000_000L + 2_475_000_000_000L)));
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(ONE_ETH.minus(Wei.of(3_500_000_000_000L)));
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(Wei.of(3_500_000_000_000L));
        assertThat(escrow.delegation(consumer.address()).spent()).isEqualTo(Wei.of(3_500_000_000_000L));

        Redemption third = escrow.redeem(submitter, voucher(delegate, 4_000_000_000_000L));
        GasReport.record("deposit", deposit.gasUsed());
        GasReport.record("authorize", authorize.gasUsed());
        GasReport.record("redeem, first for a pair (delegate)", firstRedemption.receipt().gasUsed());
        GasReport.record("redeem, later (delegate)", secondRedemption.receipt().gasUsed());
        GasReport.record("redeem, later (delegate)", third.receipt().gasUsed());
        assertThat(secondRedemption.receipt().gasUsed()).isLessThanOrEqualTo(BigInteger.valueOf(60_000));
        assertThat(third.receipt().gasUsed()).isLessThanOrEqualTo(BigInteger.valueOf(60_000));
    }

    @Test
    void aVoucherSignedByTheConsumerItselfPays() {
        escrow.deposit(consumer, ONE_ETH);
        Redemption first = escrow.redeem(submitter, voucher(consumer, 2_000_000L));
        Redemption later = escrow.redeem(submitter, voucher(consumer, 5_000_000L));
        assertThat(first.payment()).isEqualTo(Wei.of(1_980_000L));
        assertThat(later.payment()).isEqualTo(Wei.of(2_970_000L));
        assertThat(later.fee()).isEqualTo(Wei.of(30_000L));
        GasReport.record("redeem, first for a pair (consumer)", first.receipt().gasUsed());
        GasReport.record("redeem, later (consumer)", later.receipt().gasUsed());
        assertThat(later.receipt().gasUsed()).isLessThanOrEqualTo(BigInteger.valueOf(60_000));
    }

    @Test
    void theContractHashesAVoucherAsProtocolDoes() {
        Voucher voucher = voucher(consumer, 42).voucher();
        assertThat(escrow.hashVoucher(voucher)).isEqualTo(TypedData.digest(escrow.domain(), voucher));
    }

    @Test
    void aReplayedVoucherRevertsAndPaysNothing() {
        fund();
        SignedVoucher voucher = voucher(delegate, 1_000_000L);
        escrow.redeem(submitter, voucher);
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, voucher), "AgoraEscrowStaleVoucher",
                args -> assertThat(args).containsExactly(BigInteger.valueOf(1_000_000L), BigInteger.valueOf(1_000_000L)));
    }

    @Test
    void aLoweredVoucherRevertsAndPaysNothing() {
        fund();
        escrow.redeem(submitter, voucher(delegate, 1_000_000L));
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, voucher(delegate, 999_999L)), "AgoraEscrowStaleVoucher",
                args -> assertThat(args).containsExactly(BigInteger.valueOf(999_999L), BigInteger.valueOf(1_000_000L)));
    }

    @Test
    void aVoucherBeyondTheDelegatesCapRevertsAndPaysNothing() {
        escrow.deposit(consumer, ONE_ETH);
        escrow.authorize(consumer, delegate.address(), Wei.of(1_000_000L));
        escrow.redeem(submitter, voucher(delegate, 800_000L));
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, voucher(delegate, 1_000_001L)), "AgoraEscrowCapExceeded",
                args -> assertThat(args).containsExactly(delegate.address(), BigInteger.valueOf(1_000_000L),
                        BigInteger.valueOf(800_000L), BigInteger.valueOf(200_001L)));
        // the cap used up: the remaining 200,000 still pays, one wei more does not
        escrow.redeem(submitter, voucher(delegate, 1_000_000L));
        assertThat(escrow.delegation(consumer.address()).remaining()).isEqualTo(Wei.ZERO);
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, voucher(delegate, 1_000_001L)), "AgoraEscrowCapExceeded",
                args -> assertThat(args.get(3)).isEqualTo(BigInteger.ONE));
    }

    @Test
    void aVoucherSignedForAnotherChainRevertsAndPaysNothing() {
        fund();
        Voucher voucher = voucher(delegate, 1_000L).voucher();
        String signature = TypedData.sign(Eip712Domain.escrow(1, escrow.address()), voucher, delegate.key());
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, new SignedVoucher(voucher, signature)),
                "AgoraEscrowUnauthorizedSigner", args -> assertThat(args.get(1)).isEqualTo(consumer.address()));
    }

    @Test
    void aVoucherSignedForAnotherContractRevertsAndPaysNothing() {
        fund();
        Voucher voucher = voucher(delegate, 1_000L).voucher();
        String signature = TypedData.sign(Eip712Domain.escrow(devnet.chainId(), devnet.token().address()), voucher, delegate.key());
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, new SignedVoucher(voucher, signature)),
                "AgoraEscrowUnauthorizedSigner", args -> assertThat(args.get(1)).isEqualTo(consumer.address()));
    }

    @Test
    void theHighSTwinOfAValidSignatureRevertsAndPaysNothing() {
        fund();
        SignedVoucher valid = voucher(delegate, 1_000L);
        Sign.SignatureData low = PersonalSignature.parse(valid.signature());
        BigInteger highS = Sign.CURVE_PARAMS.getN().subtract(new BigInteger(1, low.getS()));
        byte flippedV = (byte) (low.getV()[0] == 27 ? 28 : 27);
        byte[] sig = new byte[65];
        System.arraycopy(low.getR(), 0, sig, 0, 32);
        System.arraycopy(Numeric.toBytesPadded(highS, 32), 0, sig, 32, 32);
        sig[64] = flippedV;
        SignedVoucher malleated = new SignedVoucher(valid.voucher(), Numeric.toHexString(sig));
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, malleated), "AgoraEscrowMalleableSignature",
                args -> assertThat(args).containsExactly(Bytes32.of(Numeric.toBytesPadded(highS, 32))));
    }

    @Test
    void aVoucherSignedBySomeoneElseRevertsAndPaysNothing() {
        fund();
        Signer stranger = devnet.newAccount();
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, voucher(stranger, 1_000L)),
                "AgoraEscrowUnauthorizedSigner",
                args -> assertThat(args).containsExactly(stranger.address(), consumer.address()));
    }

    @Test
    void aRevokedDelegatesVouchersStillPayDuringTheDelayAndNoLongerAfterIt() {
        fund();
        SignedVoucher signedBeforeRevoke = voucher(delegate, 1_000L);
        SignedVoucher signedDuringTheDelay = voucher(delegate, 3_000L);
        SignedVoucher redeemedTooLate = voucher(delegate, 5_000L);
        TxReceipt revoke = escrow.revoke(consumer);
        PendingDelegation pending = escrow.pendingDelegation(consumer.address()).orElseThrow();
        assertThat(pending.isRevocation()).isTrue();
        assertThat(escrow.delegation(consumer.address()).delegate()).contains(delegate.address());

        // the revoke was sent ahead of the provider's redeem: the provider is still paid, up to the last second
        assertThat(escrow.redeem(submitter, signedBeforeRevoke).redeemed()).isEqualTo(Wei.of(1_000L));
        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY.minusSeconds(5));
        assertThat(escrow.redeem(submitter, signedDuringTheDelay).redeemed()).isEqualTo(Wei.of(3_000L));

        devnet.increaseTime(Duration.ofSeconds(5));
        assertThat(escrow.delegation(consumer.address()).delegate()).isEmpty();
        assertThat(escrow.pendingDelegation(consumer.address())).isEmpty();
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, redeemedTooLate), "AgoraEscrowUnauthorizedSigner",
                args -> assertThat(args).containsExactly(delegate.address(), consumer.address()));
        GasReport.record("revoke (requested)", revoke.gasUsed());
    }

    @Test
    void aBalanceShortOfTheIncrementPaysWhatItHoldsAndTheRestLater() {
        escrow.deposit(consumer, Wei.of(600_000L));
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
        SignedVoucher voucher = voucher(delegate, 1_000_000L);
        Redemption partial = escrow.redeem(submitter, voucher);
        assertThat(partial.payment().plus(partial.fee())).isEqualTo(Wei.of(600_000L));
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(Wei.ZERO);
        assertRevertsAndMovesNoMoney(() -> escrow.redeem(submitter, voucher), "AgoraEscrowNoBalance",
                args -> assertThat(args).containsExactly(consumer.address()));
        escrow.deposit(consumer, Wei.of(1_000_000L));
        Redemption rest = escrow.redeem(submitter, voucher);
        assertThat(rest.payment().plus(rest.fee())).isEqualTo(Wei.of(400_000L));
        assertThat(rest.redeemed()).isEqualTo(Wei.of(1_000_000L));
    }

    @Test
    void aWithdrawalBeforeTheDelayRevertsAndAfterItPays() {
        escrow.deposit(consumer, ONE_ETH);
        TxReceipt request = escrow.requestWithdrawal(consumer, Wei.of(400_000_000_000_000_000L));
        PendingWithdrawal pending = escrow.pendingWithdrawal(consumer.address());
        assertThat(pending.amount()).isEqualTo(Wei.of(400_000_000_000_000_000L));

        assertThatThrownBy(() -> escrow.withdraw(consumer))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("AgoraEscrowWithdrawalLocked");
                    assertThat(e.args()).containsExactly(BigInteger.valueOf(pending.unlockAt().getEpochSecond()));
                });
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(ONE_ETH);

        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY.plusSeconds(1));
        Wei before = devnet.chain().etherBalance(consumer.address());
        TxReceipt withdraw = escrow.withdraw(consumer);
        Wei gasCost = withdraw.cost();
        assertThat(devnet.chain().etherBalance(consumer.address()))
                .isEqualTo(before.plus(Wei.of(400_000_000_000_000_000L)).minus(gasCost));
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(Wei.of(600_000_000_000_000_000L));
        assertThat(escrow.pendingWithdrawal(consumer.address()).exists()).isFalse();
        GasReport.record("requestWithdrawal", request.gasUsed());
        GasReport.record("withdraw", withdraw.gasUsed());
    }

    @Test
    void aProviderRedeemingDuringTheDelayComesFirst() {
        fund();
        escrow.requestWithdrawal(consumer, ONE_ETH);
        escrow.redeem(submitter, voucher(delegate, 300_000_000_000_000_000L));
        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY);
        escrow.withdraw(consumer);
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(Wei.ZERO);
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(Wei.of(300_000_000_000_000_000L));
    }

    @Test
    void aCancelledWithdrawalCannotBeWithdrawn() {
        fund();
        escrow.requestWithdrawal(consumer, Wei.of(1));
        escrow.cancelWithdrawal(consumer);
        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY);
        assertThatThrownBy(() -> escrow.withdraw(consumer))
                .isInstanceOfSatisfying(ContractRevertedException.class,
                        e -> assertThat(e.error()).isEqualTo("AgoraEscrowNoWithdrawalRequested"));
        assertThatThrownBy(() -> escrow.requestWithdrawal(consumer, ONE_ETH.plus(Wei.of(1))))
                .isInstanceOfSatisfying(ContractRevertedException.class,
                        e -> assertThat(e.error()).isEqualTo("AgoraEscrowInsufficientBalance"));
    }

    @Test
    void rejectsBadDepositsAndDelegates() {
        assertThatThrownBy(() -> escrow.deposit(consumer, Wei.ZERO))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowZeroAmount"));
        assertThatThrownBy(() -> escrow.authorize(consumer, consumer.address(), ONE_ETH))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowInvalidDelegate"));
        assertThatThrownBy(() -> escrow.revoke(consumer))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowNoDelegate"));
    }

    private void fund() {
        escrow.deposit(consumer, ONE_ETH);
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
    }

    private SignedVoucher voucher(Signer signer, long cumulativeAmount) {
        byte[] root = new byte[32];
        RANDOM.nextBytes(root);
        Voucher voucher = new Voucher(consumer.address(), provider.address(), Wei.of(cumulativeAmount), Bytes32.of(root));
        return SignedVoucher.sign(escrow.domain(), voucher, signer.key());
    }

    /** The call reverts with {@code error}, and no balance, redeemed total or fee changed. */
    private void assertRevertsAndMovesNoMoney(ThrowingCallable call, String error, Consumer<List<Object>> args) {
        Wei providerBefore = devnet.chain().etherBalance(provider.address());
        Wei balanceBefore = escrow.balanceOf(consumer.address());
        Wei redeemedBefore = escrow.redeemed(consumer.address(), provider.address());
        Wei feesBefore = escrow.accruedFees();
        Wei escrowEtherBefore = devnet.chain().etherBalance(escrow.address());
        assertThatThrownBy(call).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo(error);
            args.accept(e.args());
        });
        assertThat(devnet.chain().etherBalance(provider.address())).isEqualTo(providerBefore);
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(balanceBefore);
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(redeemedBefore);
        assertThat(escrow.accruedFees()).isEqualTo(feesBefore);
        assertThat(devnet.chain().etherBalance(escrow.address())).isEqualTo(escrowEtherBefore);
    }
}
