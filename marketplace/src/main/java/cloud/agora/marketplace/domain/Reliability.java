package cloud.agora.marketplace.domain;

/**
 * What matching needs of a provider's reputation: its score and its failure rate over the reputation window.
 *
 * @param known       false until the reputation was first computed for the provider: such a provider meets no
 *                    reliability constraint (a bid that asks for reliability waits for the evidence)
 * @param score       0 to 1000
 * @param failureRate share of calls that failed on the provider's side, 0 to 1
 */
public record Reliability(boolean known, int score, double failureRate) {

    /** Not computed yet. It sorts as a perfect score (a new provider has no evidence against it). */
    public static final Reliability UNKNOWN = new Reliability(false, 1000, 0);

    public static Reliability of(int score, double failureRate) {
        return new Reliability(true, score, failureRate);
    }

    /** Whether a bid asking for at least {@code minScore} and at most {@code maxFailureRate} (each null: any) may use it. */
    public boolean meets(Integer minScore, Double maxFailureRate) {
        if (minScore == null && maxFailureRate == null) {
            return true;
        }
        return known && (minScore == null || score >= minScore)
                && (maxFailureRate == null || failureRate <= maxFailureRate);
    }

    /** Whether some bid this one could not serve could now be served: known now, a higher score or fewer failures. */
    public boolean betterThan(Reliability before) {
        return known && (!before.known || score > before.score || failureRate < before.failureRate);
    }
}
