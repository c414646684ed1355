package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.util.Map;

/**
 * The platform's port to an Ethereum chain: deploys and opens the Agora contracts, reads blocks and balances.
 * web3j stays behind it; callers see only our types. Every method blocks (call it from a worker or virtual
 * thread); every wait is bounded ({@link ChainSettings}); a revert is a {@link ContractRevertedException}
 * carrying the contract's custom error.
 *
 * <p>Open one with {@link #connect(ChainSettings)}; close it to release its HTTP client and threads.
 */
public interface Chain extends AutoCloseable {

    /** Connects to the node at {@code settings.rpcUrl()}; fails if the node's chain id is not {@code settings.chainId()}. */
    static Chain connect(ChainSettings settings) {
        return Web3jChain.connect(settings);
    }

    /** The chain id transactions are signed for. */
    long chainId();

    /** The latest block's number. */
    long blockNumber();

    /** The ether held by {@code account}. */
    Wei etherBalance(Address account);

    /** Whether contract code is deployed at {@code account}. */
    boolean hasCode(Address account);

    /**
     * Deploys an {@code AgoraToken} whose whole, fixed supply goes to {@code allocations} (holder → amount in the
     * token's smallest unit, 18 decimals); {@code deployer} pays the gas.
     */
    Token deployToken(Signer deployer, Map<Address, BigInteger> allocations);

    /** Deploys an {@code AgoraEscrow} with {@code parameters}; {@code deployer} pays the gas. */
    Escrow deployEscrow(Signer deployer, EscrowParameters parameters);

    /**
     * Deploys an {@code AgoraTimelock} (OpenZeppelin's {@code TimelockController} with no admin and a floor under
     * its delay) with {@code parameters}; {@code deployer} pays the gas and gets no role.
     */
    Timelock deployTimelock(Signer deployer, TimelockParameters parameters);

    /** The token deployed at {@code address}. */
    Token token(Address address);

    /** The escrow deployed at {@code address}. */
    Escrow escrow(Address address);

    /** The timelock deployed at {@code address}. */
    Timelock timelock(Address address);

    /** The receipt of the deployment transaction behind the last {@code deploy*} call (for gas accounting). */
    TxReceipt lastDeployment();

    @Override
    void close();
}
