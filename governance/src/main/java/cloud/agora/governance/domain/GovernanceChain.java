package cloud.agora.governance.domain;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;

/**
 * What governance needs from the chain: the head block, voting power from the token's checkpoints, and the
 * executor's transactions on the escrow. Every method blocks; a node that cannot be reached is a
 * {@link ChainUnavailableException}.
 */
public interface GovernanceChain {

    long headBlock();

    /** The domain votes are signed in: "Agora Governance", "1", this chain, the token. */
    Eip712Domain voteDomain();

    /** {@code account}'s voting power at the latest block. */
    BigInteger currentVotes(Address account);

    /** {@code account}'s voting power at the end of {@code block} (which must be in the past). */
    BigInteger pastVotes(Address account, long block);

    /** The token's total supply at the end of {@code block} (which must be in the past). */
    BigInteger pastTotalSupply(long block);

    /**
     * Sets the escrow's fee from the executor key unless it already is {@code feeBps} (so a repeated execution
     * sends nothing). Returns the transaction hash when one was sent.
     */
    Optional<String> ensureFee(int feeBps);

    /** Sets the escrow's withdrawal delay unless it already is {@code delay}; as {@link #ensureFee(int)}. */
    Optional<String> ensureWithdrawalDelay(Duration delay);
}
