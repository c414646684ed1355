package cloud.agora.functions.domain.deployment;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import java.util.List;

/**
 * What deploying would get now and what it would cost, answered without bidding or reserving anything.
 *
 * @param resources  what each replica asks for (the version's CPU quota and memory limit)
 * @param wouldLease how many of the replicas would be leased at once
 * @param load       the load priced, every part filled in ({@link CallLoad})
 * @param quotes     each provider that meets every constraint, in the order a deploy takes them, with its unit prices
 *                   (a lease made with it carries exactly these) and what the load costs there
 * @param expected   what the load costs spread evenly over the replicas that would be leased; null when none would be
 * @param market     the marketplace's preview of the bid (the exclusions by constraint, and why it would rest)
 */
public record DeploymentPreview(String function, int version, Resources resources, int replicas, int wouldLease,
        CallLoad load, List<Quote> quotes, Cost expected, BidPreview market) {

    public DeploymentPreview {
        quotes = List.copyOf(quotes);
    }

    /**
     * One provider's prices and what the load costs there: a call rated by the platform's rule
     * ({@code ReceiptRating}, as billing rates a receipt), a million such calls, and an hour of the load.
     */
    public record Quote(Address provider, String region, Prices prices, Integer score, boolean wouldLease, Cost cost) {
    }

    /** A cost in wei: per call, per million calls, per hour at the load's rate (rounded down). */
    public record Cost(Wei perCall, Wei perMillionCalls, Wei perHour) {
    }
}
