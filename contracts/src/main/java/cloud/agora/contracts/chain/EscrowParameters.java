package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import java.time.Duration;
import java.util.Objects;

/**
 * What an escrow is deployed with.
 *
 * @param executor           the governance executor, the only account that may change the parameters
 * @param treasury           where fees go
 * @param feeBps             the platform fee in basis points (at most 1,000)
 * @param withdrawalDelay    between a withdrawal (or a narrowing delegation change) request and its effect: from
 *                           {@code minWithdrawalDelay} to 30 days
 * @param minWithdrawalDelay the floor no vote can take the withdrawal delay below, fixed for the contract's life:
 *                           at least {@link #LOWEST_MIN_WITHDRAWAL_DELAY}; {@link #PRODUCTION_MIN_WITHDRAWAL_DELAY}
 *                           on a public chain
 */
public record EscrowParameters(Address executor, Address treasury, int feeBps, Duration withdrawalDelay,
                               Duration minWithdrawalDelay) {

    /** The lowest floor the contract accepts ({@code MIN_WITHDRAWAL_DELAY_FLOOR}). */
    public static final Duration LOWEST_MIN_WITHDRAWAL_DELAY = Duration.ofHours(1);

    /**
     * The floor for a deployment on a public chain: a provider whose voucher a consumer tries to dodge (a
     * withdrawal, a revocation) has at least a day to redeem it, through a weekend outage of its agent's chain
     * access included only if it redeems daily.
     */
    public static final Duration PRODUCTION_MIN_WITHDRAWAL_DELAY = Duration.ofDays(1);

    public EscrowParameters {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(treasury, "treasury");
        Objects.requireNonNull(withdrawalDelay, "withdrawalDelay");
        Objects.requireNonNull(minWithdrawalDelay, "minWithdrawalDelay");
        if (feeBps < 0 || feeBps > 0xFFFF) {
            throw new IllegalArgumentException("a fee is a uint16 of basis points, got " + feeBps);
        }
    }
}
