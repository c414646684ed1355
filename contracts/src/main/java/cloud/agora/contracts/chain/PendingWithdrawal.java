package cloud.agora.contracts.chain;

import cloud.agora.protocol.money.Wei;
import java.time.Instant;

/**
 * A consumer's requested withdrawal; {@link Wei#ZERO} when there is none.
 *
 * @param amount   what was requested
 * @param unlockAt from when {@code withdraw} pays it (block time)
 */
public record PendingWithdrawal(Wei amount, Instant unlockAt) {

    public boolean exists() {
        return !amount.isZero();
    }
}
