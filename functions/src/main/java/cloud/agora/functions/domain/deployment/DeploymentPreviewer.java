package cloud.agora.functions.domain.deployment;

import cloud.agora.functions.domain.catalog.FunctionCatalog;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.catalog.VersionNotFoundException;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.Constraints;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.ReceiptRating;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers "what would this deployment get, and what would it cost?" before anything is bid for: the bid a deploy
 * would place, previewed by the marketplace (no bid, no reservation), and the load priced at each matching
 * provider's asking prices with the rating rule billing applies to every receipt.
 */
@ApplicationScoped
public class DeploymentPreviewer {

    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);
    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

    private final FunctionCatalog catalog;
    private final Marketplace marketplace;
    private final FunctionRules rules;

    public DeploymentPreviewer(FunctionCatalog catalog, Marketplace marketplace, FunctionRules rules) {
        this.catalog = catalog;
        this.marketplace = marketplace;
        this.rules = rules;
    }

    /** The preview of deploying {@code name} as {@code order} asks; refused as the deploy would be. */
    public DeploymentPreview preview(Address owner, String bearerToken, String name, PreviewOrder order) {
        catalog.owned(owner, name);
        DeploymentOrder deploy = order.order();
        deploy.check();
        List<FunctionVersion> versions = catalog.versions(owner, name);
        FunctionVersion version = deploy.version() == null ? versions.get(versions.size() - 1)
                : versions.stream().filter(v -> v.version() == deploy.version()).findFirst()
                        .orElseThrow(() -> new VersionNotFoundException(name, deploy.version()));
        rules.inEffect().checkTimeout(name, version);
        CallLoad load = (order.load() == null ? new CallLoad(null, null, null, null) : order.load()).resolvedFor(version);
        int replicas = deploy.initialReplicas();
        Resources resources = new Resources(version.cpuMillis(), version.memoryMiB(), 0);
        BidSpec bid = new BidSpec(BidKind.COMPUTE, resources, replicas, deploy.maxPrices(),
                deploy.constraints() == null ? Constraints.NONE : deploy.constraints(), deploy.ttlSeconds());
        BidPreview market = marketplace.previewBid(bearerToken, bid);
        List<DeploymentPreview.Quote> quotes = new ArrayList<>();
        List<DeploymentPreview.Cost> leased = new ArrayList<>();
        for (BidPreview.MatchingOffer offer : market.matching()) {
            DeploymentPreview.Cost cost = cost(offer.prices(), load);
            quotes.add(new DeploymentPreview.Quote(offer.provider(), offer.region(), offer.prices(), offer.score(),
                    offer.wouldLease(), cost));
            if (offer.wouldLease()) {
                leased.add(cost);
            }
        }
        return new DeploymentPreview(name, version.version(), resources, replicas, market.wouldLease(), load, quotes,
                mean(leased), market);
    }

    /** What the load costs at {@code prices}: one call as billing rates its receipt, a million, and an hour. */
    static DeploymentPreview.Cost cost(Prices prices, CallLoad load) {
        long cpuNanos = load.cpuMillisPerCall() * 1_000_000L;
        long memoryMibMillis = UsageReceipt.memoryMibMillis(load.memoryMiB() * 1024L * 1024L, load.durationMillis());
        BigInteger perCall = ReceiptRating.charge(prices, cpuNanos, memoryMibMillis);
        BigInteger perHour = new BigDecimal(perCall).multiply(load.callsPerSecond()).multiply(SECONDS_PER_HOUR)
                .setScale(0, RoundingMode.DOWN).toBigIntegerExact();
        return new DeploymentPreview.Cost(new Wei(perCall), new Wei(perCall.multiply(MILLION)), new Wei(perHour));
    }

    /** The costs of calls spread evenly over the replicas: the mean of each figure (rounded down), or null for none. */
    static DeploymentPreview.Cost mean(List<DeploymentPreview.Cost> costs) {
        if (costs.isEmpty()) {
            return null;
        }
        BigInteger n = BigInteger.valueOf(costs.size());
        BigInteger call = BigInteger.ZERO;
        BigInteger million = BigInteger.ZERO;
        BigInteger hour = BigInteger.ZERO;
        for (DeploymentPreview.Cost c : costs) {
            call = call.add(c.perCall().value());
            million = million.add(c.perMillionCalls().value());
            hour = hour.add(c.perHour().value());
        }
        return new DeploymentPreview.Cost(new Wei(call.divide(n)), new Wei(million.divide(n)), new Wei(hour.divide(n)));
    }
}
