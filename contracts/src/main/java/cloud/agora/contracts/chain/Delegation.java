package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.util.Optional;

/**
 * A consumer's delegate signer at the escrow.
 *
 * @param delegate the key that may sign vouchers for the consumer, if any
 * @param cap      the most its vouchers may pay in total
 * @param spent    what its vouchers have paid so far
 */
public record Delegation(Optional<Address> delegate, Wei cap, Wei spent) {

    /** What the delegate may still sign for. */
    public Wei remaining() {
        return cap.isGreaterThan(spent) ? cap.minus(spent) : Wei.ZERO;
    }
}
