package cloud.agora.protocol.market;

/**
 * A condition a provider must meet to take a bid's replica, as a bid preview counts the providers each one excludes
 * ({@link BidPreview#excluded()}).
 */
public enum PreviewConstraint {
    AVAILABLE("heard from (offer or heartbeat) within the market's heartbeat timeout"),
    REGION("in the bid's region (constraints.region)"),
    ATTRIBUTES("has every required attribute with the same value (constraints.attributes)"),
    MAX_PRICE_PER_VCPU_SECOND("asks at most maxPrices.perVcpuSecond"),
    MAX_PRICE_PER_GIB_SECOND("asks at most maxPrices.perGiBSecond"),
    MAX_PRICE_PER_INVOCATION("asks at most maxPrices.perInvocation"),
    MAX_PRICE_PER_GIB_MONTH("asks at most maxPrices.perGiBMonth"),
    AVOID_PROVIDERS("not one of constraints.avoidProviders"),
    MIN_SCORE("a reputation score of at least constraints.minScore"),
    MAX_FAILURE_RATE("a failure rate of at most constraints.maxFailureRate"),
    CAPACITY("the replica's CPU, memory and storage free");

    private final String description;

    PreviewConstraint(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
