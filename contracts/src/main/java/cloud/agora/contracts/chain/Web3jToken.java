package cloud.agora.contracts.chain;

import cloud.agora.contracts.wrappers.AgoraToken;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;

/** {@link Token} through the generated {@link AgoraToken} wrapper (used only to encode and decode). */
final class Web3jToken extends Web3jContract<AgoraToken> implements Token {

    Web3jToken(Web3jChain chain, Address address, AgoraToken contract) {
        super(chain, address, contract);
    }

    @Override
    public Eip712Domain governanceDomain() {
        return Eip712Domain.governance(chain.chainId(), address);
    }

    @Override
    public BigInteger balanceOf(Address holder) {
        return uint(contract.balanceOf(holder.value()));
    }

    @Override
    public BigInteger totalSupply() {
        return uint(contract.totalSupply());
    }

    @Override
    public BigInteger getVotes(Address account) {
        return uint(contract.getVotes(account.value()));
    }

    @Override
    public BigInteger getPastVotes(Address account, long blockNumber) {
        return uint(contract.getPastVotes(account.value(), BigInteger.valueOf(blockNumber)));
    }

    @Override
    public BigInteger getPastTotalSupply(long blockNumber) {
        return uint(contract.getPastTotalSupply(BigInteger.valueOf(blockNumber)));
    }

    @Override
    public Address delegates(Address holder) {
        return new Address((String) chain.read(address, contract.delegates(holder.value())).get(0).getValue());
    }

    @Override
    public TxReceipt transfer(Signer from, Address to, BigInteger amount) {
        return send(from, contract.transfer(to.value(), amount));
    }

    @Override
    public TxReceipt delegate(Signer holder, Address delegatee) {
        return send(holder, contract.delegate(delegatee.value()));
    }
}
