package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import java.time.Duration;
import java.util.Objects;

/**
 * What an escrow is deployed with.
 *
 * @param executor        the governance executor, the only account that may change the parameters
 * @param treasury        where fees go
 * @param feeBps          the platform fee in basis points (at most 1,000)
 * @param withdrawalDelay between a withdrawal request and the withdrawal (at most 30 days)
 */
public record EscrowParameters(Address executor, Address treasury, int feeBps, Duration withdrawalDelay) {

    public EscrowParameters {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(treasury, "treasury");
        Objects.requireNonNull(withdrawalDelay, "withdrawalDelay");
        if (feeBps < 0 || feeBps > 0xFFFF) {
            throw new IllegalArgumentException("a fee is a uint16 of basis points, got " + feeBps);
        }
    }
}
