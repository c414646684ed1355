package cloud.agora.governance.domain;

import java.time.Instant;

/**
 * Where a proposal's operation stands in the on-chain timelock, for a transaction sent now.
 *
 * @param state   unset (never scheduled, or cancelled), waiting, ready or done
 * @param readyAt when a scheduled operation becomes ready (block time); null when unset or done
 */
public record TimelockStatus(State state, Instant readyAt) {

    /** The states of OpenZeppelin's {@code TimelockController} operations. */
    public enum State {
        UNSET, WAITING, READY, DONE
    }
}
