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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A consumer cannot cancel what it owes by changing its delegation ahead of the provider's redeem: a lower cap or
 * another delegate waits the withdrawal delay, and until then the delegate in effect still signs vouchers that pay.
 * A first delegate or a higher cap takes effect at once. Each test starts from a snapshot.
 */
@ExtendWith(DevnetExtension.class)
class DelegationChangeTest {

    private static final Wei ONE_ETH = new Wei(BigInteger.TEN.pow(18));
    private static final Wei TENTH = new Wei(BigInteger.TEN.pow(17));

    private final Devnet devnet;
    private final Escrow escrow;
    private Signer consumer;
    private Signer provider;
    private Signer delegate;
    private Signer submitter;
    private String snapshot;

    DelegationChangeTest(Devnet devnet) {
        this.devnet = devnet;
        this.escrow = devnet.escrow();
    }

    @BeforeEach
    void freshAccounts() {
        snapshot = devnet.snapshot();
        consumer = devnet.newAccount();
        provider = devnet.newAccount();
        delegate = devnet.newAccount();
        submitter = devnet.newAccount();
        escrow.deposit(consumer, ONE_ETH);
    }

    @AfterEach
    void revert() {
        devnet.revert(snapshot);
    }

    @Test
    void aFirstDelegateTakesEffectAtOnce() {
        TxReceipt authorize = escrow.authorize(consumer, delegate.address(), ONE_ETH);
        assertThat(escrow.delegation(consumer.address()).delegate()).contains(delegate.address());
        assertThat(escrow.pendingDelegation(consumer.address())).isEmpty();
        assertThat(escrow.redeem(submitter, voucher(delegate, 1_000L)).redeemed()).isEqualTo(Wei.of(1_000L));
        GasReport.record("authorize (first, at once)", authorize.gasUsed());
    }

    @Test
    void aLowerCapSentAheadOfTheRedeemLetsTheOldCapPayUntilTheDelayEnds() {
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
        SignedVoucher withinTheOldCap = voucher(delegate, 500_000_000_000_000_000L);
        TxReceipt lower = escrow.authorize(consumer, delegate.address(), TENTH);
        PendingDelegation pending = escrow.pendingDelegation(consumer.address()).orElseThrow();
        assertThat(pending.delegate()).contains(delegate.address());
        assertThat(pending.cap()).isEqualTo(TENTH);
        assertThat(escrow.delegation(consumer.address()).cap()).isEqualTo(ONE_ETH);

        Redemption paid = escrow.redeem(submitter, withinTheOldCap);
        assertThat(paid.redeemed()).isEqualTo(Wei.of(500_000_000_000_000_000L));

        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY);
        Delegation now = escrow.delegation(consumer.address());
        assertThat(now.cap()).isEqualTo(TENTH);
        assertThat(now.spent()).isEqualTo(Wei.of(500_000_000_000_000_000L));
        assertThatThrownBy(() -> escrow.redeem(submitter, voucher(delegate, 600_000_000_000_000_000L)))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("AgoraEscrowCapExceeded");
                    assertThat(e.args()).containsExactly(delegate.address(), TENTH.value(),
                            BigInteger.valueOf(500_000_000_000_000_000L), TENTH.value());
                });
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(Wei.of(500_000_000_000_000_000L));
        GasReport.record("authorize (lower cap, requested)", lower.gasUsed());
    }

    @Test
    void aNewDelegateSentAheadOfTheRedeemLetsTheOldOnePayUntilTheDelayEnds() {
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
        Signer successor = devnet.newAccount();
        SignedVoucher byTheOldDelegate = voucher(delegate, 2_000L);
        escrow.authorize(consumer, successor.address(), TENTH);
        assertThat(escrow.pendingDelegation(consumer.address()).orElseThrow().delegate()).contains(successor.address());

        assertThat(escrow.redeem(submitter, byTheOldDelegate).redeemed()).isEqualTo(Wei.of(2_000L));
        assertThatThrownBy(() -> escrow.redeem(submitter, voucher(successor, 3_000L)))
                .isInstanceOfSatisfying(ContractRevertedException.class,
                        e -> assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedSigner"));

        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY);
        assertThat(escrow.delegation(consumer.address())).isEqualTo(
                new Delegation(java.util.Optional.of(successor.address()), TENTH, Wei.ZERO));
        assertThatThrownBy(() -> escrow.redeem(submitter, voucher(delegate, 3_000L)))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedSigner");
                    assertThat(e.args()).containsExactly(delegate.address(), consumer.address());
                });
        Redemption bySuccessor = escrow.redeem(submitter, voucher(successor, 3_000L));
        assertThat(bySuccessor.payment().plus(bySuccessor.fee())).isEqualTo(Wei.of(1_000L));
        assertThat(escrow.delegation(consumer.address()).spent()).isEqualTo(Wei.of(1_000L));
    }

    @Test
    void aRevokeInABatchStillPaysDuringTheDelay() {
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
        SignedVoucher voucher = voucher(delegate, 7_000L);
        escrow.revoke(consumer);
        BatchRedemption batch = escrow.redeemMany(submitter, List.of(voucher));
        assertThat(batch.skipped()).isEmpty();
        assertThat(batch.paid()).singleElement().satisfies(p -> assertThat(p.redemption().redeemed()).isEqualTo(Wei.of(7_000L)));
    }

    @Test
    void aHigherCapTakesEffectAtOnceAndDropsARequestedChange() {
        escrow.authorize(consumer, delegate.address(), TENTH);
        escrow.revoke(consumer);
        assertThat(escrow.pendingDelegation(consumer.address())).isPresent();
        TxReceipt raise = escrow.authorize(consumer, delegate.address(), ONE_ETH);
        assertThat(escrow.pendingDelegation(consumer.address())).isEmpty();
        assertThat(escrow.delegation(consumer.address()).cap()).isEqualTo(ONE_ETH);
        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY.plusSeconds(1));
        assertThat(escrow.delegation(consumer.address()).delegate()).contains(delegate.address());
        assertThat(escrow.redeem(submitter, voucher(delegate, 200_000_000_000_000_000L)).redeemed())
                .isEqualTo(Wei.of(200_000_000_000_000_000L));
        GasReport.record("authorize (higher cap, at once)", raise.gasUsed());
    }

    @Test
    void requestingThePendingChangeAgainKeepsItsTimeAndAnotherRequestRestartsTheDelay() {
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
        escrow.revoke(consumer);
        PendingDelegation first = escrow.pendingDelegation(consumer.address()).orElseThrow();
        devnet.increaseTime(Duration.ofMinutes(10));
        escrow.revoke(consumer);
        assertThat(escrow.pendingDelegation(consumer.address()).orElseThrow().effectiveAt()).isEqualTo(first.effectiveAt());
        escrow.authorize(consumer, delegate.address(), TENTH);
        PendingDelegation lower = escrow.pendingDelegation(consumer.address()).orElseThrow();
        assertThat(lower.cap()).isEqualTo(TENTH);
        assertThat(lower.effectiveAt()).isAfter(first.effectiveAt());
    }

    @Test
    void aConsumerWithoutADelegateCannotRevokeAndNothingChanges() {
        assertThatThrownBy(() -> escrow.revoke(consumer)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraEscrowNoDelegate"));
        escrow.authorize(consumer, delegate.address(), ONE_ETH);
        escrow.revoke(consumer);
        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY);
        assertThatThrownBy(() -> escrow.revoke(consumer)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraEscrowNoDelegate"));
        assertThat(escrow.delegation(consumer.address()).delegate()).isEmpty();
        assertThat(escrow.balanceOf(consumer.address())).isEqualTo(ONE_ETH);
    }

    private SignedVoucher voucher(Signer signer, long cumulativeAmount) {
        Voucher voucher = new Voucher(consumer.address(), provider.address(), Wei.of(cumulativeAmount), Bytes32.ZERO);
        return SignedVoucher.sign(escrow.domain(), voucher, signer.key());
    }
}
