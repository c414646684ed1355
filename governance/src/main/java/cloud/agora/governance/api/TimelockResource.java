package cloud.agora.governance.api;

import cloud.agora.governance.config.GovernanceConfig;
import cloud.agora.governance.domain.ChainUnavailableException;
import cloud.agora.governance.domain.GovernanceChain;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * The on-chain timelock passed changes go through, as the chain shows it: anyone can check that the escrow's executor
 * is a timelock, its delay and floor, and that the configured guardians can cancel. Public.
 */
@Path("/api/v1/timelock")
@Produces(MediaType.APPLICATION_JSON)
public class TimelockResource {

    /**
     * The timelock. Delays are ISO-8601 durations.
     *
     * @param address        the AgoraTimelock, the escrow's executor
     * @param minDelay       the delay operations scheduled now wait at least (on chain)
     * @param minDelayFloor  the lowest delay the timelock accepts (on chain, fixed at deployment)
     * @param configuredFloor the lowest {@code governance.timelock} this service accepts in a proposal
     * @param proposer       governance's key: schedules, executes (and may cancel) operations
     * @param guardians      the configured guardians and whether each holds the canceller role on chain
     */
    public record TimelockView(String address, String minDelay, String minDelayFloor, String configuredFloor, String proposer,
            List<GovernanceChain.TimelockView.Guardian> guardians) {
    }

    private final GovernanceChain chain;
    private final GovernanceConfig config;

    public TimelockResource(GovernanceChain chain, GovernanceConfig config) {
        this.chain = chain;
        this.config = config;
    }

    @GET
    @ProblemResponses({ChainUnavailableException.class})
    public TimelockView get() {
        GovernanceChain.TimelockView t = chain.timelock();
        return new TimelockView(t.address(), t.minDelay().toString(), t.minDelayFloor().toString(),
                config.timelockFloor().toString(), t.proposer(), t.guardians());
    }
}
