package cloud.agora.governance.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** How the governance service runs. */
@ConfigMapping(prefix = "agora.governance")
public interface GovernanceConfig {

    /** How often ended proposals are tallied and queued ones executed. */
    @WithDefault("1s")
    Duration interval();

    /**
     * Values a fresh database starts with instead of the declared defaults, by parameter name
     * ({@code agora.governance.initial-values."governance.voting-period"=10}). Used only when the parameter has no
     * stored value yet; after that only proposals change it.
     */
    Map<String, String> initialValues();

    /**
     * Late-quorum protection (as OpenZeppelin's {@code GovernorPreventLateQuorum}): when a vote makes a proposal reach
     * its quorum for the first time fewer than this many blocks before its end, the end moves to this many blocks
     * after the head block. 0 turns it off.
     */
    @WithDefault("7200")
    long lateQuorumExtension();

    /**
     * The floor of {@code governance.timelock}: no proposal may set the delay of passed changes below it (nor below the
     * on-chain timelock's own floor, {@code minDelayFloor}). An hour by default, the value for a public chain; the
     * local platform and the tests set a second.
     */
    @WithDefault("PT1H")
    Duration timelockFloor();

    /** How long a queued proposal may wait for execution after its timelock before it expires. */
    @WithDefault("14d")
    Duration gracePeriod();
}
