package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.time.Instant;
import java.util.Optional;

/**
 * A consumer's requested delegation change that is not in effect yet: a change that narrows what the delegate may
 * sign (another delegate, a lower cap, a revocation) waits the escrow's withdrawal delay, and until then the
 * delegation in effect ({@link Escrow#delegation}) still signs vouchers that pay.
 *
 * @param delegate    the delegate from {@code effectiveAt} on; empty for a revocation
 * @param cap         its cap (zero for a revocation)
 * @param effectiveAt from when the change is in effect (block time); no transaction is needed then
 */
public record PendingDelegation(Optional<Address> delegate, Wei cap, Instant effectiveAt) {

    /** Whether the change ends the delegation. */
    public boolean isRevocation() {
        return delegate.isEmpty();
    }
}
