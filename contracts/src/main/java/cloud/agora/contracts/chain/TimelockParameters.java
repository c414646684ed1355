package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What an {@code AgoraTimelock} is deployed with. There is no admin: roles change only through operations of the
 * timelock itself.
 *
 * @param minDelay      the delay operations wait at least (the governed {@code governance.timelock} at deployment)
 * @param minDelayFloor the lowest delay a later {@code updateDelay} accepts, fixed for the contract's life:
 *                      {@link #PRODUCTION_MIN_DELAY_FLOOR} on a public chain
 * @param proposers     who may schedule operations (and, as OpenZeppelin 5 grants it to proposers, cancel them):
 *                      the governance service's key
 * @param executors     who may execute ready operations: the governance service's key
 * @param guardians     who may only cancel scheduled operations during their delay
 */
public record TimelockParameters(Duration minDelay, Duration minDelayFloor, List<Address> proposers, List<Address> executors,
                                 List<Address> guardians) {

    /**
     * The floor for a deployment on a public chain: a passed change waits at least an hour, time for a guardian to
     * look at it and cancel it, and for users to react, whatever a vote decides.
     */
    public static final Duration PRODUCTION_MIN_DELAY_FLOOR = Duration.ofHours(1);

    public TimelockParameters {
        Objects.requireNonNull(minDelay, "minDelay");
        Objects.requireNonNull(minDelayFloor, "minDelayFloor");
        proposers = List.copyOf(proposers);
        executors = List.copyOf(executors);
        guardians = List.copyOf(guardians);
        if (minDelay.isNegative() || minDelayFloor.isNegative()) {
            throw new IllegalArgumentException("delays are not negative");
        }
    }
}
