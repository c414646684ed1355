package cloud.agora.governance.domain;

import static cloud.agora.governance.domain.ParameterKind.DURATION;
import static cloud.agora.governance.domain.ParameterKind.INTEGER;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one declaration of every governed parameter. A parameter not listed here cannot be proposed; bounds are
 * inclusive. On-chain bounds match the escrow's own limits (fee at most 1,000 bps, delay at most 30 days). The
 * lower bound of {@link #TIMELOCK} is raised further by the configured floor ({@code agora.governance.timelock-floor})
 * and the on-chain timelock's own floor.
 */
public final class Parameters {

    public static final String ESCROW_FEE = "escrow.fee-bps";
    public static final String ESCROW_WITHDRAWAL_DELAY = "escrow.withdrawal-delay";
    public static final String QUORUM = "governance.quorum-bps";
    public static final String VOTING_DELAY = "governance.voting-delay";
    public static final String VOTING_PERIOD = "governance.voting-period";
    public static final String TIMELOCK = "governance.timelock";
    public static final String PROPOSAL_THRESHOLD = "governance.proposal-threshold";

    /** Every governed parameter, in display order. */
    public static final List<ParameterDefinition> ALL = List.of(
            new ParameterDefinition(ESCROW_FEE, INTEGER, "0", "1000", "100", "bps", ParameterTarget.ESCROW,
                    "the platform fee taken from each voucher redemption"),
            new ParameterDefinition(ESCROW_WITHDRAWAL_DELAY, DURATION, "PT1H", "PT720H", "PT1H", "duration", ParameterTarget.ESCROW,
                    "how long a developer's withdrawal waits so that providers can redeem first"),
            new ParameterDefinition("marketplace.heartbeat-timeout", DURATION, "PT5S", "PT1H", "PT30S", "duration",
                    ParameterTarget.MARKETPLACE, "a provider silent for longer gets no new leases"),
            new ParameterDefinition("marketplace.max-bid-lifetime", DURATION, "PT1M", "PT720H", "PT168H", "duration",
                    ParameterTarget.MARKETPLACE, "the longest a bid may rest in the book"),
            new ParameterDefinition("marketplace.reputation-window", DURATION, "PT1H", "PT2160H", "PT168H", "duration",
                    ParameterTarget.MARKETPLACE, "how far back the evidence of a provider's reputation reaches"),
            new ParameterDefinition("functions.max-timeout", DURATION, "PT1S", "PT15M", "PT5M", "duration",
                    ParameterTarget.FUNCTIONS, "the longest timeout a function may declare"),
            new ParameterDefinition("functions.max-body-size", INTEGER, "1024", "104857600", "6291456", "bytes",
                    ParameterTarget.FUNCTIONS, "the largest request or response body of an invocation"),
            new ParameterDefinition("functions.max-image-size", INTEGER, "1048576", "1073741824", "268435456", "bytes",
                    ParameterTarget.FUNCTIONS, "the largest OCI image archive a function version may bring"),
            new ParameterDefinition("functions.log-retention", DURATION, "PT1H", "PT2160H", "PT168H", "duration",
                    ParameterTarget.FUNCTIONS, "how long a function's log lines are kept after they were recorded"),
            new ParameterDefinition("functions.scale-down-after", DURATION, "PT10S", "PT24H", "PT1M", "duration",
                    ParameterTarget.FUNCTIONS, "how long a scaled deployment's load must stay within one replica fewer"
                            + " before a replica is given up"),
            new ParameterDefinition("billing.voucher-threshold", INTEGER, "0", "1000000000000000000000", "1000000000000000", "wei",
                    ParameterTarget.BILLING, "unpaid charges above which billing issues a voucher"),
            new ParameterDefinition("billing.voucher-period", DURATION, "PT1M", "PT720H", "PT1H", "duration",
                    ParameterTarget.BILLING, "longest time unpaid charges wait for a voucher, whatever the amount"),
            new ParameterDefinition("billing.witness-window", DURATION, "PT1M", "PT168H", "PT10M", "duration",
                    ParameterTarget.BILLING, "how long a receipt waits for the gateway's witness before it is quarantined unwitnessed"),
            new ParameterDefinition("billing.dispute-window", DURATION, "PT1H", "PT720H", "PT168H", "duration",
                    ParameterTarget.BILLING, "how long after a call ended its developer may dispute its charge"),
            new ParameterDefinition("billing.credit-floor", INTEGER, "0", "1000000000000000000000", "0", "wei",
                    ParameterTarget.BILLING, "escrow balance less unpaid charges below which deployments pause"),
            new ParameterDefinition(QUORUM, INTEGER, "100", "5000", "400", "bps", ParameterTarget.GOVERNANCE,
                    "for + abstain weight needed, as a fraction of the total supply at the snapshot"),
            new ParameterDefinition(VOTING_DELAY, INTEGER, "1", "50400", "7200", "blocks", ParameterTarget.GOVERNANCE,
                    "blocks between a proposal's creation and its snapshot"),
            new ParameterDefinition(VOTING_PERIOD, INTEGER, "5", "201600", "50400", "blocks", ParameterTarget.GOVERNANCE,
                    "blocks votes are taken for after the snapshot"),
            new ParameterDefinition(TIMELOCK, DURATION, "PT0S", "PT720H", "PT48H", "duration", ParameterTarget.TIMELOCK,
                    "how long a passed proposal waits before it is executed (the on-chain timelock's delay too); not below"
                            + " the configured floor"),
            new ParameterDefinition(PROPOSAL_THRESHOLD, INTEGER, "0", "100000000000000000000000000", "1000000000000000000000",
                    "token-units", ParameterTarget.GOVERNANCE,
                    "voting power (AGORA in 18-decimal units) a proposer needs at the latest block"));

    private static final Map<String, ParameterDefinition> BY_NAME = index();

    private Parameters() {
    }

    /** The declared parameter called {@code name}. */
    public static Optional<ParameterDefinition> named(String name) {
        return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
    }

    private static Map<String, ParameterDefinition> index() {
        Map<String, ParameterDefinition> byName = new LinkedHashMap<>();
        ALL.forEach(p -> byName.put(p.name(), p));
        return byName;
    }
}
