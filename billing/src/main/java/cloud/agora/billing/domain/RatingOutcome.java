package cloud.agora.billing.domain;

import java.util.List;
import java.util.UUID;

/**
 * What rating a batch did.
 *
 * @param rated           receipts rated now (each for the first time)
 * @param rejected        receipts quarantined, with the reason (replays included: they charge nothing)
 * @param awaitingWitness invocation ids of receipts that passed every check but carry no gateway witness (the agent's
 *                        copies): they wait for their counter-signed twin, which is what gets rated
 */
public record RatingOutcome(List<RatedReceipt> rated, List<Rejection> rejected, List<UUID> awaitingWitness) {
}
