package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.time.Duration;

/**
 * A deployed {@code AgoraEscrow}: consumers' deposits, their delegate signer, voucher redemption, delayed
 * withdrawals and the governed parameters. Write methods send a transaction signed by the given
 * {@link Signer} and return once it is mined and confirmed; a revert throws {@link ContractRevertedException}
 * whose {@code error()} is the contract's custom error (e.g. {@code AgoraEscrowStaleVoucher}).
 */
public interface Escrow {

    Address address();

    /** The EIP-712 domain vouchers for this escrow are signed in ("Agora Escrow", "1", chain id, this address). */
    Eip712Domain domain();

    /** Adds {@code amount} to {@code consumer}'s balance. */
    TxReceipt deposit(Signer consumer, Wei amount);

    /** Lets {@code delegate} sign vouchers for {@code consumer} up to {@code cap} in total (replacing any other delegate). */
    TxReceipt authorize(Signer consumer, Address delegate, Wei cap);

    /** Ends {@code consumer}'s delegate's authorization. */
    TxReceipt revoke(Signer consumer);

    /** Redeems {@code voucher}, paying its provider the increment less the fee; {@code submitter} pays the gas. */
    Redemption redeem(Signer submitter, SignedVoucher voucher);

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

    /** Sets the withdrawal delay; executor only. */
    TxReceipt setWithdrawalDelay(Signer executor, Duration delay);

    /** Sets the treasury; executor only. */
    TxReceipt setTreasury(Signer executor, Address treasury);

    /** Hands the executor role to {@code next}; executor only. */
    TxReceipt setExecutor(Signer executor, Address next);

    Wei balanceOf(Address consumer);

    /** What the pair has redeemed in total. */
    Wei redeemed(Address consumer, Address provider);

    Delegation delegation(Address consumer);

    PendingWithdrawal pendingWithdrawal(Address consumer);

    int feeBps();

    Duration withdrawalDelay();

    Wei accruedFees();

    Address treasury();

    Address executor();

    /** The digest the contract computes for {@code voucher} (to cross-check off-chain signing). */
    Bytes32 hashVoucher(Voucher voucher);
}
