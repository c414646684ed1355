package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import org.web3j.protocol.core.RemoteFunctionCall;

/**
 * What the ports over one deployed contract share: the chain, the contract's address and its generated wrapper (used
 * only to encode and decode), and the two ways of calling it — a read of one {@code uint} and a transaction.
 *
 * @param <C> the generated wrapper
 */
abstract class Web3jContract<C> {

    protected final Web3jChain chain;
    protected final Address address;
    protected final C contract;

    Web3jContract(Web3jChain chain, Address address, C contract) {
        this.chain = chain;
        this.address = address;
        this.contract = contract;
    }

    public Address address() {
        return address;
    }

    /** The single {@code uint} a view function returns. */
    protected BigInteger uint(RemoteFunctionCall<?> function) {
        return (BigInteger) chain.read(address, function).get(0).getValue();
    }

    /** Sends {@code function} from {@code from}, paying nothing, and waits for its receipt. */
    protected TxReceipt send(Signer from, RemoteFunctionCall<?> function) {
        return send(from, function, BigInteger.ZERO);
    }

    /** Sends {@code function} from {@code from} with {@code value} wei, and waits for its receipt. */
    protected TxReceipt send(Signer from, RemoteFunctionCall<?> function, BigInteger value) {
        return chain.toReceipt(chain.write(from, address, function, value));
    }
}
