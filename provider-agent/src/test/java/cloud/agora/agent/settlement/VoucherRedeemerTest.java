package cloud.agora.agent.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Automatic redeem against the real escrow on Anvil; billing's voucher list is a stand-in (another process). */
@ExtendWith(DevnetExtension.class)
class VoucherRedeemerTest {

    static final Wei ETHER = new Wei(BigInteger.TEN.pow(18));
    static final Wei GAS_ESTIMATE = new Wei(BigInteger.TEN.pow(15));

    private final Devnet devnet;
    private String snapshot;
    Escrow escrow;
    Signer consumer;
    Signer provider;
    Signer delegate;
    final List<VoucherView> billing = new ArrayList<>();
    VoucherRedeemer redeemer;

    VoucherRedeemerTest(Devnet devnet) {
        this.devnet = devnet;
    }

    @BeforeEach
    void fundAndAuthorize() {
        snapshot = devnet.snapshot();
        escrow = devnet.escrow();
        consumer = devnet.account(2);
        provider = devnet.account(3);
        delegate = devnet.account(4);
        escrow.deposit(consumer, ETHER);
        escrow.authorize(consumer, delegate.address(), ETHER);
        redeemer = new VoucherRedeemer(() -> List.copyOf(billing), escrow, provider, GAS_ESTIMATE);
    }

    @AfterEach
    void revert() {
        devnet.revert(snapshot);
    }

    void billingIssues(long sequence, Wei cumulative) {
        Voucher voucher = new Voucher(consumer.address(), provider.address(), cumulative, Bytes32.of(new byte[32]));
        billing.clear();
        billing.add(new VoucherView(sequence, SignedVoucher.sign(escrow.domain(), voucher, delegate.key()), sequence * 10,
                Instant.now(), false));
    }

    @Test
    void leavesAVoucherWhoseIncrementIsNotWorthTheGas() {
        billingIssues(1, new Wei(BigInteger.TEN.pow(15)));
        List<VoucherRedeemer.Decision> decisions = redeemer.redeemWorthwhile();
        assertThat(decisions).singleElement().satisfies(d -> {
            assertThat(d.redeemed()).isFalse();
            assertThat(d.net()).isEqualTo(new Wei(BigInteger.valueOf(990_000_000_000_000L)));
        });
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(Wei.ZERO);
    }

    @Test
    void redeemsTheIncrementWhenItIsWorthTheGasAndNeverTwice() {
        Wei before = devnet.chain().etherBalance(provider.address());
        Wei first = new Wei(BigInteger.TEN.pow(17));
        billingIssues(1, first);
        assertThat(redeemer.redeemWorthwhile()).singleElement().satisfies(d -> assertThat(d.redeemed()).isTrue());
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(first);
        assertThat(devnet.chain().etherBalance(provider.address()).isGreaterThan(before)).isTrue();

        assertThat(redeemer.redeemWorthwhile()).singleElement().satisfies(d -> {
            assertThat(d.increment()).isEqualTo(Wei.ZERO);
            assertThat(d.redeemed()).isFalse();
        });

        billingIssues(2, first.plus(new Wei(BigInteger.TEN.pow(14))));
        assertThat(redeemer.redeemWorthwhile()).singleElement().satisfies(d -> assertThat(d.redeemed()).isFalse());
        billingIssues(3, first.plus(new Wei(BigInteger.TEN.pow(17))));
        assertThat(redeemer.redeemWorthwhile()).singleElement().satisfies(d -> assertThat(d.redeemed()).isTrue());
        assertThat(escrow.redeemed(consumer.address(), provider.address())).isEqualTo(new Wei(BigInteger.TEN.pow(17).shiftLeft(1)));
    }

    @Test
    void countsOnlyWhatTheDevelopersBalanceCanPay() {
        billingIssues(1, new Wei(BigInteger.TEN.pow(19)));
        escrow.requestWithdrawal(consumer, new Wei(ETHER.value().subtract(BigInteger.TEN.pow(14))));
        devnet.increaseTime(Devnet.WITHDRAWAL_DELAY.plusSeconds(1));
        escrow.withdraw(consumer);
        assertThat(redeemer.redeemWorthwhile()).singleElement().satisfies(d -> {
            assertThat(d.increment()).isEqualTo(new Wei(BigInteger.TEN.pow(14)));
            assertThat(d.redeemed()).isFalse();
        });
    }
}
