package cloud.agora.billing.domain;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.util.List;
import java.util.Optional;

/**
 * Billing's port to the escrow on chain: balances and delegations to decide on vouchers and credit, blocks and
 * events to follow settlement. Implementations block (call from worker threads) and throw
 * {@link ChainUnavailableException} when the node cannot be reached.
 */
public interface EscrowLedger {

    /** Whether a chain is configured at all. */
    boolean configured();

    /** The domain vouchers are signed in. */
    Eip712Domain domain();

    /** The consumer's escrow balance. */
    Wei balanceOf(Address consumer);

    /** The consumer's delegate signer, its cap and what it spent. */
    Allowance allowance(Address consumer);

    /**
     * Everything the escrow holds that bounds what the consumer can still be charged: balance, pending withdrawal,
     * the delegation in effect and a requested (narrowing) change not in effect yet.
     */
    Standing standing(Address consumer);

    /** The latest block's number. */
    long headBlock();

    /** The hash of block {@code number}, if the chain has it. */
    Optional<String> blockHash(long number);

    /** The escrow's redeem and deposit events in blocks [from, to], in chain order. */
    List<EscrowEvent> events(long from, long to);

    /**
     * A consumer's delegate at the escrow.
     *
     * @param delegate the key that may sign for the consumer, if any
     * @param cap      the most its vouchers may pay in total
     * @param spent    what its vouchers paid so far
     */
    record Allowance(Optional<Address> delegate, Wei cap, Wei spent) {
        /** What the delegate may still sign for. */
        public Wei remaining() {
            return cap.isGreaterThan(spent) ? cap.minus(spent) : Wei.ZERO;
        }
    }

    /**
     * A consumer's standing at the escrow.
     *
     * @param balance           the escrow balance
     * @param pendingWithdrawal the amount of a requested withdrawal (zero when none): it leaves the balance once the
     *                          withdrawal delay has passed, so it backs no new charge
     * @param delegation        the delegation in effect
     * @param pendingChange     a requested change of the delegation (a revoke, a lower cap or another delegate) that
     *                          takes effect after the withdrawal delay
     */
    record Standing(Wei balance, Wei pendingWithdrawal, Allowance delegation, Optional<DelegationChange> pendingChange) {
    }

    /**
     * A requested delegation change not in effect yet.
     *
     * @param delegate the delegate after the change (empty: revoked)
     * @param cap      the cap after the change
     */
    record DelegationChange(Optional<Address> delegate, Wei cap) {
    }

    /** An event of the escrow, located in the chain. */
    sealed interface EscrowEvent permits Redeemed, Deposited {
        long blockNumber();

        String blockHash();

        String transactionHash();

        int logIndex();
    }

    /** {@code VoucherRedeemed(consumer, provider, redeemed, payment, fee, receiptsRoot)}. */
    record Redeemed(long blockNumber, String blockHash, String transactionHash, int logIndex, Address consumer,
            Address provider, Wei redeemed, Wei payment, Wei fee, String receiptsRoot) implements EscrowEvent {
    }

    /** {@code Deposited(consumer, amount, balance)}. */
    record Deposited(long blockNumber, String blockHash, String transactionHash, int logIndex, Address consumer,
            Wei amount, Wei balance) implements EscrowEvent {
    }
}
