package cloud.agora.protocol.market;

/** Why a resting bid has not (fully) matched, as the developer sees it. */
public enum UnmatchedReason {
    NO_PROVIDER_AVAILABLE("no provider is available (registered with an offer and heartbeating)"),
    NO_PROVIDER_IN_REGION("no available provider is in the requested region"),
    NO_PROVIDER_WITH_ATTRIBUTES("no available provider has the required attributes"),
    MAX_PRICE_BELOW_EVERY_ASK("the maximum prices are below every matching provider's ask"),
    BELOW_RELIABILITY("no affordable provider meets the bid's minimum reputation score or maximum failure rate"),
    INSUFFICIENT_CAPACITY("no affordable provider has enough free capacity for a replica"),
    NOT_ENOUGH_DISTINCT_PROVIDERS("fewer suitable providers than replicas (one replica per provider)");

    private final String description;

    UnmatchedReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
