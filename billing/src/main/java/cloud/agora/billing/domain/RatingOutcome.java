package cloud.agora.billing.domain;

import java.util.List;

/**
 * What rating a batch did.
 *
 * @param rated    receipts rated now (each for the first time)
 * @param rejected receipts quarantined, with the reason (replays included: they charge nothing)
 */
public record RatingOutcome(List<RatedReceipt> rated, List<Rejection> rejected) {
}
