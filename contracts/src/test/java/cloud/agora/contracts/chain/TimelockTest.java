package cloud.agora.contracts.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.contracts.GasReport;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.eip712.Bytes32;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The escrow's executor is an {@code AgoraTimelock}: no key changes a parameter at once, a change waits the delay
 * on chain, a guardian can cancel it meanwhile, and the delay itself changes only through the timelock and never
 * below its floor. Each test starts from a snapshot.
 */
@ExtendWith(DevnetExtension.class)
class TimelockTest {

    private static final Duration HOUR = Duration.ofHours(1);

    private final Devnet devnet;
    private String snapshot;

    TimelockTest(Devnet devnet) {
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

    @Test
    void theEscrowIsGovernedByTheTimelockAndNoKeyChangesTheFeeAtOnce() {
        Escrow escrow = devnet.escrow();
        Timelock timelock = devnet.timelock();
        assertThat(escrow.executor()).isEqualTo(timelock.address());
        assertThat(escrow.pendingExecutor()).isEmpty();

        // the key that deployed the escrow and governs through the timelock: no direct power left
        for (Signer key : List.of(devnet.governanceKey(), devnet.guardian())) {
            assertThatThrownBy(() -> escrow.setFee(key, 0)).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
                assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedExecutor");
                assertThat(e.args()).containsExactly(key.address());
            });
            assertThatThrownBy(() -> escrow.proposeExecutor(key, key.address())).isInstanceOfSatisfying(
                    ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedExecutor"));
        }
        assertThat(escrow.feeBps()).isEqualTo(Devnet.FEE_BPS);

        // roles: governance proposes, executes and (as OpenZeppelin 5 gives proposers) cancels; the guardian only
        // cancels; nobody but the timelock itself administers roles
        Signer governance = devnet.governanceKey();
        Signer guardian = devnet.guardian();
        assertThat(timelock.hasRole(Timelock.Role.PROPOSER, governance.address())).isTrue();
        assertThat(timelock.hasRole(Timelock.Role.EXECUTOR, governance.address())).isTrue();
        assertThat(timelock.hasRole(Timelock.Role.CANCELLER, governance.address())).isTrue();
        assertThat(timelock.hasRole(Timelock.Role.CANCELLER, guardian.address())).isTrue();
        assertThat(timelock.hasRole(Timelock.Role.PROPOSER, guardian.address())).isFalse();
        assertThat(timelock.hasRole(Timelock.Role.EXECUTOR, guardian.address())).isFalse();
        assertThat(timelock.hasRole(Timelock.Role.ADMIN, timelock.address())).isTrue();
        assertThat(timelock.hasRole(Timelock.Role.ADMIN, governance.address())).isFalse();
        assertThat(timelock.hasRole(Timelock.Role.ADMIN, guardian.address())).isFalse();
        assertThat(timelock.minDelay()).isEqualTo(Devnet.TIMELOCK_DELAY);
        assertThat(timelock.minDelayFloor()).isEqualTo(Devnet.TIMELOCK_FLOOR);
    }

    @Test
    void aFeeChangeTakesEffectOnlyAfterTheDelayOnChain() {
        Escrow escrow = devnet.escrow();
        Timelock timelock = devnet.timelock();
        Signer governance = devnet.governanceKey();
        TimelockOperation fee = TimelockOperation.of(List.of(escrow.setFeeCall(250)), TimelockOperation.saltOf("fee 250"));
        assertThat(timelock.state(fee.id())).isEqualTo(OperationState.UNSET);

        TxReceipt scheduled = timelock.schedule(governance, fee, HOUR);
        assertThat(timelock.state(fee.id())).as("the id computed in Java is the contract's").isEqualTo(OperationState.WAITING);
        assertThat(timelock.readyAt(fee.id())).isPresent();

        // executing before the delay: refused, nothing changes
        assertNotReady(() -> timelock.execute(governance, fee), fee);
        assertThat(escrow.feeBps()).isEqualTo(Devnet.FEE_BPS);
        devnet.increaseTime(HOUR.minusSeconds(10));
        assertNotReady(() -> timelock.execute(governance, fee), fee);
        assertThat(escrow.feeBps()).isEqualTo(Devnet.FEE_BPS);

        devnet.increaseTime(Duration.ofSeconds(10));
        assertThat(timelock.state(fee.id())).isEqualTo(OperationState.READY);
        // only an executor executes
        Signer stranger = devnet.newAccount();
        assertThatThrownBy(() -> timelock.execute(stranger, fee)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AccessControlUnauthorizedAccount"));
        TxReceipt executed = timelock.execute(governance, fee);
        assertThat(escrow.feeBps()).isEqualTo(250);
        assertThat(timelock.state(fee.id())).isEqualTo(OperationState.DONE);
        assertThat(timelock.readyAt(fee.id())).isEmpty();
        // done once: a replay is refused
        assertNotReady(() -> timelock.execute(governance, fee), fee);
        assertThatThrownBy(() -> timelock.schedule(governance, fee, HOUR)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("TimelockUnexpectedOperationState"));

        GasReport.record("timelock schedule (setFee)", scheduled.gasUsed());
        GasReport.record("timelock execute (setFee)", executed.gasUsed());
        GasReport.record("fee change: schedule + execute", scheduled.gasUsed().add(executed.gasUsed()));
    }

    @Test
    void aGuardianCancelsAScheduledChangeWhichThenNeverExecutes() {
        Escrow escrow = devnet.escrow();
        Timelock timelock = devnet.timelock();
        Signer governance = devnet.governanceKey();
        long before = devnet.chain().blockNumber();
        TimelockOperation fee = TimelockOperation.of(List.of(escrow.setFeeCall(1_000)), TimelockOperation.saltOf("fee 1000"));
        timelock.schedule(governance, fee, HOUR);

        Signer stranger = devnet.newAccount();
        assertThatThrownBy(() -> timelock.cancel(stranger, fee.id())).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo("AccessControlUnauthorizedAccount");
            assertThat(e.args()).containsExactly(stranger.address(), Timelock.Role.CANCELLER.id());
        });
        assertThat(timelock.wasCancelled(fee.id(), before)).isFalse();
        TxReceipt cancelled = timelock.cancel(devnet.guardian(), fee.id());
        assertThat(timelock.state(fee.id())).isEqualTo(OperationState.UNSET);
        assertThat(timelock.wasCancelled(fee.id(), before)).isTrue();
        assertThat(timelock.wasCancelled(fee.id(), cancelled.blockNumber() + 1)).isFalse();

        devnet.increaseTime(HOUR.plusSeconds(1));
        assertNotReady(() -> timelock.execute(governance, fee), fee);
        assertThat(escrow.feeBps()).isEqualTo(Devnet.FEE_BPS);
        // a guardian can only cancel: it neither schedules nor executes
        assertThatThrownBy(() -> timelock.schedule(devnet.guardian(), fee, HOUR)).isInstanceOfSatisfying(
                ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("AccessControlUnauthorizedAccount"));
        // nothing to cancel twice
        assertThatThrownBy(() -> timelock.cancel(devnet.guardian(), fee.id())).isInstanceOfSatisfying(
                ContractRevertedException.class, e -> assertThat(e.error()).isEqualTo("TimelockUnexpectedOperationState"));
        GasReport.record("timelock cancel (guardian)", cancelled.gasUsed());
    }

    @Test
    void aBatchMakesAllItsCallsOrNone() {
        Escrow escrow = devnet.escrow();
        Timelock timelock = devnet.timelock();
        Signer governance = devnet.governanceKey();
        TimelockOperation wrong = TimelockOperation.of(List.of(escrow.setFeeCall(300),
                escrow.setWithdrawalDelayCall(Devnet.MIN_WITHDRAWAL_DELAY.minusSeconds(1))), TimelockOperation.saltOf("wrong"));
        assertThat(wrong.batch()).isTrue();
        timelock.schedule(governance, wrong, Devnet.TIMELOCK_DELAY);
        assertThat(timelock.state(wrong.id())).isNotEqualTo(OperationState.UNSET);
        devnet.increaseTime(Devnet.TIMELOCK_DELAY);
        assertThatThrownBy(() -> timelock.execute(governance, wrong)).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).as("the escrow's own error comes back through the timelock").isEqualTo("AgoraEscrowDelayTooShort");
        });
        assertThat(escrow.feeBps()).isEqualTo(Devnet.FEE_BPS);

        TimelockOperation right = TimelockOperation.of(List.of(escrow.setFeeCall(300),
                escrow.setWithdrawalDelayCall(Duration.ofHours(2))), TimelockOperation.saltOf("right"));
        timelock.schedule(governance, right, Devnet.TIMELOCK_DELAY);
        devnet.increaseTime(Devnet.TIMELOCK_DELAY);
        TxReceipt executed = timelock.execute(governance, right);
        assertThat(escrow.feeBps()).isEqualTo(300);
        assertThat(escrow.withdrawalDelay()).isEqualTo(Duration.ofHours(2));
        GasReport.record("timelock executeBatch (fee + delay)", executed.gasUsed());
    }

    @Test
    void theDelayChangesOnlyThroughTheTimelockAndNeverBelowItsFloor() {
        Signer deployer = devnet.newAccount();
        Signer governance = devnet.newAccount();
        Signer guardian = devnet.newAccount();
        TimelockParameters production = new TimelockParameters(Duration.ofHours(48), TimelockParameters.PRODUCTION_MIN_DELAY_FLOOR,
                List.of(governance.address()), List.of(governance.address()), List.of(guardian.address()));
        Timelock timelock = devnet.chain().deployTimelock(deployer, production);
        GasReport.record("deploy AgoraTimelock (1 proposer, 1 guardian)", devnet.chain().lastDeployment().gasUsed());
        assertThat(timelock.hasRole(Timelock.Role.ADMIN, deployer.address())).as("no admin: the deployer has no role").isFalse();
        assertThat(timelock.hasRole(Timelock.Role.PROPOSER, deployer.address())).isFalse();

        // not by any key directly
        for (Duration delay : List.of(Duration.ZERO, Duration.ofHours(2))) {
            assertThatThrownBy(() -> send(governance, timelock.updateDelayCall(delay))).isInstanceOfSatisfying(
                    ContractRevertedException.class, e -> {
                        assertThat(e.error()).isEqualTo("TimelockUnauthorizedCaller");
                        assertThat(e.args()).containsExactly(governance.address());
                    });
        }
        assertThat(timelock.minDelay()).isEqualTo(Duration.ofHours(48));
        // not scheduled for less than the delay in force
        TimelockOperation shorter = TimelockOperation.of(List.of(timelock.updateDelayCall(Duration.ofHours(2))), Bytes32.ZERO);
        assertThatThrownBy(() -> timelock.schedule(governance, shorter, Duration.ofHours(47))).isInstanceOfSatisfying(
                ContractRevertedException.class, e -> {
                    assertThat(e.error()).isEqualTo("TimelockInsufficientDelay");
                    assertThat(e.args()).containsExactly(BigInteger.valueOf(47 * 3600), BigInteger.valueOf(48 * 3600));
                });
        // below the floor: refused when executed, even after the whole delay
        TimelockOperation belowFloor = TimelockOperation.of(List.of(timelock.updateDelayCall(Duration.ofMinutes(30))), Bytes32.ZERO);
        timelock.schedule(governance, belowFloor, Duration.ofHours(48));
        devnet.increaseTime(Duration.ofHours(48));
        assertThatThrownBy(() -> timelock.execute(governance, belowFloor)).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo("AgoraTimelockDelayTooShort");
            assertThat(e.args()).containsExactly(BigInteger.valueOf(1_800), BigInteger.valueOf(3_600));
        });
        assertThat(timelock.minDelay()).isEqualTo(Duration.ofHours(48));
        // at the floor: through the timelock, after the delay
        timelock.schedule(governance, shorter, Duration.ofHours(48));
        devnet.increaseTime(Duration.ofHours(48));
        timelock.execute(governance, shorter);
        assertThat(timelock.minDelay()).isEqualTo(Duration.ofHours(2));

        // a deployment cannot start below its own floor
        assertThatThrownBy(() -> devnet.chain().deployTimelock(deployer, new TimelockParameters(Duration.ofMinutes(59),
                TimelockParameters.PRODUCTION_MIN_DELAY_FLOOR, List.of(governance.address()), List.of(governance.address()),
                List.of()))).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraTimelockDelayTooShort"));
    }

    @Test
    void anEscrowHandsItsExecutorRoleToATimelockInTwoSteps() {
        Signer key = devnet.newAccount();
        Escrow escrow = devnet.chain().deployEscrow(key, new EscrowParameters(key.address(), key.address(), 100,
                Duration.ofHours(1), Duration.ofHours(1)));
        Timelock timelock = devnet.chain().deployTimelock(key, new TimelockParameters(Duration.ofMinutes(5), Duration.ofMinutes(5),
                List.of(key.address()), List.of(key.address()), List.of(devnet.guardian().address())));
        escrow.proposeExecutor(key, timelock.address());
        TimelockOperation accept = TimelockOperation.of(List.of(escrow.acceptExecutorCall()), Bytes32.ZERO);
        timelock.schedule(key, accept, Duration.ofMinutes(5));
        escrow.setFee(key, 200);   // the key governs until the timelock accepts
        assertNotReady(() -> timelock.execute(key, accept), accept);
        assertThat(escrow.executor()).isEqualTo(key.address());

        devnet.increaseTime(Duration.ofMinutes(5));
        timelock.execute(key, accept);
        assertThat(escrow.executor()).isEqualTo(timelock.address());
        assertThatThrownBy(() -> escrow.setFee(key, 300)).isInstanceOfSatisfying(ContractRevertedException.class,
                e -> assertThat(e.error()).isEqualTo("AgoraEscrowUnauthorizedExecutor"));
        assertThat(escrow.feeBps()).isEqualTo(200);
    }

    /** Sends {@code call} from {@code from} as a plain transaction (not through the timelock). */
    private void send(Signer from, TimelockCall call) {
        ((Web3jChain) devnet.chain()).writeData(from, call.target(), call.data());
    }

    private static void assertNotReady(org.assertj.core.api.ThrowableAssert.ThrowingCallable execute, TimelockOperation operation) {
        assertThatThrownBy(execute).isInstanceOfSatisfying(ContractRevertedException.class, e -> {
            assertThat(e.error()).isEqualTo("TimelockUnexpectedOperationState");
            assertThat(e.args().get(0)).isEqualTo(operation.id());
        });
    }
}
