package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A deployed {@code AgoraEscrow}: consumers' deposits, their delegate signer, voucher redemption (one voucher or
 * a provider's batch), delayed withdrawals and delegation changes, and the governed parameters. Write methods send a transaction signed by the given
 * {@link Signer} and return once it is mined and confirmed; a revert throws {@link ContractRevertedException}
 * whose {@code error()} is the contract's custom error (e.g. {@code AgoraEscrowStaleVoucher}).
 */
public interface Escrow {

    Address address();

    /** The EIP-712 domain vouchers for this escrow are signed in ("Agora Escrow", "1", chain id, this address). */
    Eip712Domain domain();

    /** Adds {@code amount} to {@code consumer}'s balance. */
    TxReceipt deposit(Signer consumer, Wei amount);

    /**
     * Lets {@code delegate} sign vouchers for {@code consumer} up to {@code cap} in total. A first delegate, or a cap
     * at least as high for the delegate in effect, takes effect at once; another delegate or a lower cap is a
     * request that takes effect after the withdrawal delay ({@link #pendingDelegation}).
     */
    TxReceipt authorize(Signer consumer, Address delegate, Wei cap);

    /**
     * Asks to end {@code consumer}'s delegate's authorization after the withdrawal delay; until then the delegate's
     * vouchers still pay within its cap.
     */
    TxReceipt revoke(Signer consumer);

    /** Redeems {@code voucher}, paying its provider the increment less the fee; {@code submitter} pays the gas. */
    Redemption redeem(Signer submitter, SignedVoucher voucher);

    /**
     * Redeems {@code vouchers} (many consumers', one provider's) in one transaction that pays the provider once; a
     * voucher that {@link #redeem} would refuse is skipped and reported, the others are paid. Throws
     * {@link ContractRevertedException} only when the batch itself is wrong: empty, or naming several providers
     * ({@code AgoraEscrowMixedProviders}).
     */
    BatchRedemption redeemMany(Signer submitter, List<SignedVoucher> vouchers);

    /** Starts a withdrawal of {@code amount}, payable after the withdrawal delay. */
    TxReceipt requestWithdrawal(Signer consumer, Wei amount);

    /** Cancels {@code consumer}'s pending withdrawal. */
    TxReceipt cancelWithdrawal(Signer consumer);

    /** Pays {@code consumer}'s unlocked pending withdrawal. */
    TxReceipt withdraw(Signer consumer);

    /** Pays the accrued fees to the treasury. */
    TxReceipt sweepFees(Signer submitter);

    /** Sets the fee (basis points); executor only. */
    TxReceipt setFee(Signer executor, int feeBps);

    /** Sets the withdrawal delay, not below {@link #minWithdrawalDelay()}; executor only. */
    TxReceipt setWithdrawalDelay(Signer executor, Duration delay);

    /** Sets the treasury; executor only. */
    TxReceipt setTreasury(Signer executor, Address treasury);

    /**
     * Proposes {@code next} as the executor (the zero address withdraws the proposal); executor only. The role
     * moves when {@code next} calls {@link #acceptExecutor}.
     */
    TxReceipt proposeExecutor(Signer executor, Address next);

    /** Makes {@code next}, the proposed executor, the executor. */
    TxReceipt acceptExecutor(Signer next);

    /** {@link #setFee} as a call for a timelock operation (the executor being a {@link Timelock}). */
    TimelockCall setFeeCall(int feeBps);

    /** {@link #setWithdrawalDelay} as a call for a timelock operation. */
    TimelockCall setWithdrawalDelayCall(Duration delay);

    /** {@link #setTreasury} as a call for a timelock operation. */
    TimelockCall setTreasuryCall(Address treasury);

    /** {@link #proposeExecutor} as a call for a timelock operation. */
    TimelockCall proposeExecutorCall(Address next);

    /** {@link #acceptExecutor} as a call for a timelock operation: how a timelock takes the executor role. */
    TimelockCall acceptExecutorCall();

    Wei balanceOf(Address consumer);

    /** What the pair has redeemed in total. */
    Wei redeemed(Address consumer, Address provider);

    /** The delegation in effect now (a requested change counts from its time on). */
    Delegation delegation(Address consumer);

    /** {@code consumer}'s requested delegation change not in effect yet, if any. */
    Optional<PendingDelegation> pendingDelegation(Address consumer);

    PendingWithdrawal pendingWithdrawal(Address consumer);

    int feeBps();

    Duration withdrawalDelay();

    /** The floor of the withdrawal delay, fixed at deployment. */
    Duration minWithdrawalDelay();

    Wei accruedFees();

    Address treasury();

    Address executor();

    /** The proposed next executor, if any. */
    Optional<Address> pendingExecutor();

    /** The digest the contract computes for {@code voucher} (to cross-check off-chain signing). */
    Bytes32 hashVoucher(Voucher voucher);
}
