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
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Only the governance executor sets the fee, the delay, the treasury and the executor. The devnet's escrow is
 * governed by its timelock ({@code TimelockTest}); these tests deploy escrows governed by a plain key to check the
 * escrow's own rules. Each test starts from a snapshot.
 */
@ExtendWith(DevnetExtension.class)
class EscrowGovernanceTest {

    private final Devnet devnet;
    private String snapshot;

    EscrowGovernanceTest(Devnet devnet) {
        this.devnet = devnet;
    }

    @BeforeEach
    void snapshot() {
        snapshot = devnet.snapshot();
    }

    @AfterEach
    void revert() {
        devnet.revert(snapshot);
    }

    /** An escrow like the devnet's whose executor is a plain key, {@code executor}. */
    private Escrow escrowGovernedBy(Signer executor) {
        return devnet.chain().deployEscrow(devnet.governanceKey(), new EscrowParameters(executor.address(),
                devnet.treasury().address(), Devnet.FEE_BPS, Devnet.WITHDRAWAL_DELAY, Devnet.MIN_WITHDRAWAL_DELAY));
    }

    @Test
    void onlyTheExecutorSetsTheParameters() {
        Signer executor = devnet.newAccount();
        Escrow escrow = escrowGovernedBy(executor);
        Signer stranger = devnet.newAccount();
        Signer newTreasury = devnet.newAccount();

        assertUnauthorized(() -> escrow.setFee(stranger, 0), stranger);
        assertUnauthorized(() -> escrow.setWithdrawalDelay(stranger, Duration.ZERO), stranger);
        assertUnauthorized(() -> escrow.setTreasury(stranger, stranger.address()), stranger);
        assertUnauthorized(() -> escrow.proposeExecutor(stranger, stranger.address()), stranger);
        assertThat(escrow.feeBps()).isEqualTo(Devnet.FEE_BPS);
        assertThat(escrow.withdrawalDelay()).isEqualTo(Devnet.WITHDRAWAL_DELAY);
        assertThat(escrow.treasury()).isEqualTo(devnet.treasury().address());
        assertThat(escrow.executor()).isEqualTo(executor.address());

        escrow.setFee(executor, 250);
        escrow.setWithdrawalDelay(executor, Duration.ofDays(2));
        escrow.setTreasury(executor, newTreasury.address());
        assertThat(escrow.feeBps()).isEqualTo(250);
        assertThat(escrow.withdrawalDelay()).isEqualTo(Duration.ofDays(2));
        assertThat(escrow.treasury()).isEqualTo(newTreasury.address());

        escrow.proposeExecutor(executor, stranger.address());
        escrow.acceptExecutor(stranger);
        assertUnauthorized(() -> escrow.setFee(executor, 0), executor);
        escrow.setFee(stranger, 0);
        assertThat(escrow.feeBps()).isZero();
    }

    @Test
    void boundsTheFeeAndTheDelay() {
        Signer executor = devnet.newAccount();
        Escrow escrow = escrowGovernedBy(executor);
        assertThatThrownBy(() -> escrow.setFee(executor, 1_001)).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo("AgoraEscrowFeeTooHigh");
            assertThat(e.args()).containsExactly(BigInteger.valueOf(1_001), BigInteger.valueOf(1_000));
        });
        assertThatThrownBy(() -> escrow.setWithdrawalDelay(executor, Duration.ofDays(31)))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowDelayTooLong"));
    }

    @Test
    void theExecutorRoleMovesOnlyWhenTheProposedExecutorAcceptsIt() {
        Signer executor = devnet.newAccount();
        Escrow escrow = escrowGovernedBy(executor);
        Signer successor = devnet.newAccount();
        Signer stranger = devnet.newAccount();

        escrow.proposeExecutor(executor, successor.address());
        assertThat(escrow.pendingExecutor()).contains(successor.address());
        assertThat(escrow.executor()).isEqualTo(executor.address());
        escrow.setFee(executor, 200);   // the old executor governs until the role is accepted
        assertThatThrownBy(() -> escrow.acceptExecutor(stranger)).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo("AgoraEscrowNotProposedExecutor");
            assertThat(e.args()).containsExactly(stranger.address());
        });

        escrow.proposeExecutor(executor, stranger.address());   // a new proposal replaces the previous one
        assertThatThrownBy(() -> escrow.acceptExecutor(successor)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraEscrowNotProposedExecutor"));
        escrow.proposeExecutor(executor, successor.address());
        escrow.acceptExecutor(successor);
        assertThat(escrow.executor()).isEqualTo(successor.address());
        assertThat(escrow.pendingExecutor()).isEmpty();
        assertUnauthorized(() -> escrow.setFee(executor, 0), executor);
        assertThatThrownBy(() -> escrow.acceptExecutor(stranger)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraEscrowNotProposedExecutor"));
        escrow.proposeExecutor(successor, stranger.address());
        escrow.proposeExecutor(successor, new cloud.agora.protocol.eth.Address("0x" + "0".repeat(40)));   // withdrawn
        assertThat(escrow.pendingExecutor()).isEmpty();
    }

    @Test
    void noVoteTakesTheWithdrawalDelayBelowTheFloorFixedAtDeployment() {
        Signer executor = devnet.newAccount();
        Escrow escrow = escrowGovernedBy(executor);
        assertThat(escrow.minWithdrawalDelay()).isEqualTo(Devnet.MIN_WITHDRAWAL_DELAY);
        assertThatThrownBy(() -> escrow.setWithdrawalDelay(executor, Devnet.MIN_WITHDRAWAL_DELAY.minusSeconds(1)))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("AgoraEscrowDelayTooShort");
                    assertThat(e.args()).containsExactly(BigInteger.valueOf(3_599), BigInteger.valueOf(3_600));
                });
        assertThat(escrow.withdrawalDelay()).isEqualTo(Devnet.WITHDRAWAL_DELAY);
        escrow.setWithdrawalDelay(executor, Devnet.MIN_WITHDRAWAL_DELAY);

        // a production deployment's floor: a day; governance may lengthen the delay, never shorten it below a day
        Signer deployer = devnet.newAccount();
        Escrow production = devnet.chain().deployEscrow(deployer, new EscrowParameters(deployer.address(),
                deployer.address(), 100, Duration.ofDays(2), EscrowParameters.PRODUCTION_MIN_WITHDRAWAL_DELAY));
        assertThat(production.minWithdrawalDelay()).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> production.setWithdrawalDelay(deployer, Duration.ofHours(23)))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowDelayTooShort"));
        production.setWithdrawalDelay(deployer, Duration.ofDays(1));
        assertThat(production.withdrawalDelay()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void aDeploymentCannotChooseAFloorBelowAnHourOrADelayBelowItsFloor() {
        Signer deployer = devnet.newAccount();
        assertThatThrownBy(() -> devnet.chain().deployEscrow(deployer, new EscrowParameters(deployer.address(),
                deployer.address(), 100, Duration.ofHours(1), Duration.ofMinutes(59))))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("AgoraEscrowDelayTooShort");
                    assertThat(e.args()).containsExactly(BigInteger.valueOf(3_540), BigInteger.valueOf(3_600));
                });
        assertThatThrownBy(() -> devnet.chain().deployEscrow(deployer, new EscrowParameters(deployer.address(),
                deployer.address(), 100, Duration.ofHours(5), Duration.ofHours(6))))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowDelayTooShort"));
        assertThatThrownBy(() -> devnet.chain().deployEscrow(deployer, new EscrowParameters(deployer.address(),
                deployer.address(), 100, Duration.ofDays(31), Duration.ofDays(31))))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowDelayTooLong"));
    }

    @Test
    void sweepsAccruedFeesToTheTreasury() {
        Escrow escrow = devnet.escrow();
        Signer consumer = devnet.newAccount();
        Signer provider = devnet.newAccount();
        escrow.deposit(consumer, Wei.of(10_000_000L));
        escrow.redeem(provider, SignedVoucher.sign(escrow.domain(),
                new Voucher(consumer.address(), provider.address(), Wei.of(5_000_000L), Bytes32.ZERO), consumer.key()));
        assertThat(escrow.accruedFees()).isEqualTo(Wei.of(50_000L));

        Wei treasuryBefore = devnet.chain().etherBalance(devnet.treasury().address());
        TxReceipt sweep = escrow.sweepFees(provider);
        assertThat(devnet.chain().etherBalance(devnet.treasury().address())).isEqualTo(treasuryBefore.plus(Wei.of(50_000L)));
        assertThat(escrow.accruedFees()).isEqualTo(Wei.ZERO);
        assertThatThrownBy(() -> escrow.sweepFees(provider)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraEscrowZeroAmount"));
        GasReport.record("sweepFees", sweep.gasUsed());
    }

    @Test
    void deploysWithItsParametersAndMeasuresTheGas() {
        Signer deployer = devnet.newAccount();
        Escrow escrow = devnet.chain().deployEscrow(deployer,
                new EscrowParameters(deployer.address(), deployer.address(), 1_000, Duration.ofDays(30),
                        EscrowParameters.PRODUCTION_MIN_WITHDRAWAL_DELAY));
        GasReport.record("deploy AgoraEscrow", devnet.chain().lastDeployment().gasUsed());
        assertThat(escrow.feeBps()).isEqualTo(1_000);
        assertThat(escrow.withdrawalDelay()).isEqualTo(Duration.ofDays(30));
        devnet.chain().deployToken(deployer, Map.of(deployer.address(), BigInteger.TEN.pow(27)));
        GasReport.record("deploy AgoraToken (1 holder)", devnet.chain().lastDeployment().gasUsed());
        assertThatThrownBy(() -> devnet.chain().deployEscrow(deployer,
                new EscrowParameters(deployer.address(), deployer.address(), 1_001, Duration.ofDays(1), Duration.ofDays(1))))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowFeeTooHigh"));
    }

    private static void assertUnauthorized(ThrowingCallable call, Signer caller) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedExecutor");
            assertThat(e.args()).containsExactly(caller.address());
        });
    }
}
