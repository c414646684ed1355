package cloud.agora.billing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import cloud.agora.testsupport.Wallet;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The credit rule alone ({@link Credit#decide}): spendable = min(balance − pending withdrawal, billing's cap left) −
 * unpaid; paused when billing is not the delegate now and after a requested change, or when spendable is below the
 * floor.
 */
class CreditRuleTest {

    static final Address BILLING = Wallet.random().address();
    static final Address OTHER = Wallet.random().address();
    static final Wei FLOOR = Wei.of(100);

    static EscrowLedger.Standing standing(long balance, long withdrawing, Address delegate, long cap, long spent,
            Optional<EscrowLedger.DelegationChange> change) {
        return new EscrowLedger.Standing(Wei.of(balance), Wei.of(withdrawing),
                new EscrowLedger.Allowance(Optional.ofNullable(delegate), Wei.of(cap), Wei.of(spent)), change);
    }

    static Credit decide(EscrowLedger.Standing standing, long unpaid) {
        return Credit.decide(standing, Optional.of(BILLING), Wei.of(unpaid), FLOOR);
    }

    @Test
    void aDeveloperCoveredByBalanceAndCapIsServedAndSpendableIsTheSmallerLessUnpaid() {
        Credit byBalance = decide(standing(1_000, 0, BILLING, 5_000, 0, Optional.empty()), 300);
        assertThat(byBalance.paused()).isFalse();
        assertThat(byBalance.spendable()).isEqualTo(BigInteger.valueOf(700));
        Credit byCap = decide(standing(10_000, 0, BILLING, 2_000, 1_500, Optional.empty()), 300);
        assertThat(byCap.capRemaining()).contains(Wei.of(500));
        assertThat(byCap.spendable()).isEqualTo(BigInteger.valueOf(200));
        assertThat(byCap.paused()).isFalse();
    }

    @Test
    void aDeveloperWhoNeverAuthorizedBillingIsPausedWhateverTheirBalance() {
        Credit none = decide(standing(1_000_000, 0, null, 0, 0, Optional.empty()), 0);
        assertThat(none.reason()).contains(Credit.NOT_AUTHORIZED);
        Credit another = decide(standing(1_000_000, 0, OTHER, 1_000_000, 0, Optional.empty()), 0);
        assertThat(another.reason()).contains(Credit.NOT_AUTHORIZED);
        assertThat(another.capRemaining()).contains(Wei.ZERO);
    }

    @Test
    void aRequestedRevokeOrAnotherDelegatePausesAtOnceThoughTheEscrowStillHonoursTheOldDelegation() {
        Credit revoked = decide(standing(1_000_000, 0, BILLING, 1_000_000, 0,
                Optional.of(new EscrowLedger.DelegationChange(Optional.empty(), Wei.ZERO))), 0);
        assertThat(revoked.reason()).contains(Credit.NOT_AUTHORIZED);
        Credit replaced = decide(standing(1_000_000, 0, BILLING, 1_000_000, 0,
                Optional.of(new EscrowLedger.DelegationChange(Optional.of(OTHER), Wei.of(1_000_000)))), 0);
        assertThat(replaced.reason()).contains(Credit.NOT_AUTHORIZED);
    }

    @Test
    void aRequestedLowerCapCountsFromTheRequest() {
        Credit lowered = decide(standing(1_000_000, 0, BILLING, 1_000_000, 200,
                Optional.of(new EscrowLedger.DelegationChange(Optional.of(BILLING), Wei.of(500)))), 250);
        assertThat(lowered.capRemaining()).contains(Wei.of(300));
        assertThat(lowered.spendable()).isEqualTo(BigInteger.valueOf(50));
        assertThat(lowered.reason()).contains(Credit.BELOW_FLOOR);
    }

    @Test
    void aRequestedWithdrawalBacksNoNewChargeFromTheRequest() {
        Credit before = decide(standing(1_000, 0, BILLING, 1_000_000, 0, Optional.empty()), 500);
        assertThat(before.paused()).isFalse();
        Credit withdrawing = decide(standing(1_000, 450, BILLING, 1_000_000, 0, Optional.empty()), 500);
        assertThat(withdrawing.spendable()).isEqualTo(BigInteger.valueOf(50));
        assertThat(withdrawing.reason()).contains(Credit.BELOW_FLOOR);
        Credit everything = decide(standing(1_000, 1_000, BILLING, 1_000_000, 0, Optional.empty()), 500);
        assertThat(everything.spendable()).isEqualTo(BigInteger.valueOf(-500));
    }

    @Test
    void theFloorItselfIsEnoughAndOneWeiLessIsNot() {
        assertThat(decide(standing(600, 0, BILLING, 1_000, 0, Optional.empty()), 500).paused()).isFalse();
        assertThat(decide(standing(599, 0, BILLING, 1_000, 0, Optional.empty()), 500).reason()).contains(Credit.BELOW_FLOOR);
    }

    @Test
    void withoutADelegateKeyBillingCountsTheBalanceAlone() {
        Credit credit = Credit.decide(standing(1_000, 100, null, 0, 0, Optional.empty()), Optional.empty(), Wei.of(300), FLOOR);
        assertThat(credit.paused()).isFalse();
        assertThat(credit.capRemaining()).isEmpty();
        assertThat(credit.spendable()).isEqualTo(BigInteger.valueOf(600));
    }
}
