package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;

/**
 * A deployed {@code AgoraToken}: balances and the vote checkpoints governance weighs votes with. Amounts are in
 * the token's smallest unit (18 decimals). An account that never delegated votes for itself.
 */
public interface Token {

    Address address();

    /** The EIP-712 domain votes on this token are signed in ("Agora Governance", "1", chain id, this address). */
    Eip712Domain governanceDomain();

    BigInteger balanceOf(Address holder);

    BigInteger totalSupply();

    /** {@code account}'s voting power now. */
    BigInteger getVotes(Address account);

    /** {@code account}'s voting power at the end of block {@code blockNumber}, which must be in the past. */
    BigInteger getPastVotes(Address account, long blockNumber);

    /** The total supply at the end of block {@code blockNumber}, which must be in the past. */
    BigInteger getPastTotalSupply(long blockNumber);

    /** Whose votes {@code holder}'s tokens count for (the holder itself unless it delegated). */
    Address delegates(Address holder);

    TxReceipt transfer(Signer from, Address to, BigInteger amount);

    TxReceipt delegate(Signer holder, Address delegatee);
}
