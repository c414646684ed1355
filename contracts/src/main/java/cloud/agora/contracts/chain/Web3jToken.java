package cloud.agora.contracts.chain;

import cloud.agora.contracts.wrappers.AgoraToken;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import org.web3j.protocol.core.RemoteFunctionCall;

/** {@link Token} through the generated {@link AgoraToken} wrapper (used only to encode and decode). */
final class Web3jToken implements Token {

    private final Web3jChain chain;
    private final Address address;
    private final AgoraToken contract;

    Web3jToken(Web3jChain chain, Address address, AgoraToken contract) {
        this.chain = chain;
        this.address = address;
        this.contract = contract;
    }

    @Override
    public Address address() {
        return address;
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
        return chain.toReceipt(chain.write(from, address, contract.transfer(to.value(), amount), BigInteger.ZERO));
    }

    @Override
    public TxReceipt delegate(Signer holder, Address delegatee) {
        return chain.toReceipt(chain.write(holder, address, contract.delegate(delegatee.value()), BigInteger.ZERO));
    }

    private BigInteger uint(RemoteFunctionCall<?> function) {
        return (BigInteger) chain.read(address, function).get(0).getValue();
    }
}
