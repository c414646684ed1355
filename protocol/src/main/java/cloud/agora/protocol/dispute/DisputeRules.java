package cloud.agora.protocol.dispute;

import cloud.agora.protocol.invocation.InvocationOutcome;
import java.time.Duration;
import java.util.Objects;

/**
 * Decides a dispute over one charge from signed facts only: the gateway's {@link CallWitness} (outcome, exit status),
 * the charged receipt (wall time, peak memory), its grant (timeout) and the lease (memory), and whether the provider
 * conceded. The developer chose the function's code, timeout and memory, so a call that ended by its own doing is
 * theirs to pay; one the provider ended short of what the lease and the grant promised is the provider's:
 *
 * <table>
 *   <caption>rules, in order</caption>
 *   <tr><th>facts</th><th>decision</th><th>{@code rule}</th></tr>
 *   <tr><td>the provider conceded</td><td>upheld</td><td>{@value #PROVIDER_CONCEDED}</td></tr>
 *   <tr><td>outcome OK</td><td>rejected</td><td>{@value #WITNESSED_SUCCESS}</td></tr>
 *   <tr><td>outcome FUNCTION_ERROR (the function's own exit status)</td><td>rejected</td><td>{@value #FUNCTION_EXIT}</td></tr>
 *   <tr><td>TIMEOUT with wall time ≥ the grant's timeout − {@link #EARLY_TOLERANCE}</td><td>rejected</td>
 *       <td>{@value #TIMEOUT_AT_LIMIT}</td></tr>
 *   <tr><td>TIMEOUT with wall time below that (ended as timed out before its time)</td><td>upheld</td>
 *       <td>{@value #TIMEOUT_BEFORE_LIMIT}</td></tr>
 *   <tr><td>OUT_OF_MEMORY with peak memory ≥ {@value #MEMORY_SHARE_PERCENT} % of the lease's memory</td>
 *       <td>rejected</td><td>{@value #MEMORY_AT_LIMIT}</td></tr>
 *   <tr><td>OUT_OF_MEMORY below that (killed for memory the lease still had)</td><td>upheld</td>
 *       <td>{@value #MEMORY_BELOW_LIMIT}</td></tr>
 * </table>
 *
 * Pure: billing applies it, and anyone holding the evidence a decision cites can apply it again.
 */
public final class DisputeRules {

    public static final String PROVIDER_CONCEDED = "provider-conceded";
    public static final String WITNESSED_SUCCESS = "witnessed-success";
    public static final String FUNCTION_EXIT = "function-exit";
    public static final String TIMEOUT_AT_LIMIT = "timeout-at-limit";
    public static final String TIMEOUT_BEFORE_LIMIT = "timeout-before-limit";
    public static final String MEMORY_AT_LIMIT = "out-of-memory-at-limit";
    public static final String MEMORY_BELOW_LIMIT = "out-of-memory-below-limit";

    /** A call ended as timed out this much before its grant's timeout still counts as at the limit (clock granularity). */
    public static final Duration EARLY_TOLERANCE = Duration.ofMillis(250);
    /** A call killed for memory at this share of the lease's memory or more used what it was promised. */
    public static final int MEMORY_SHARE_PERCENT = 90;

    private DisputeRules() {
    }

    /**
     * The facts a decision reads.
     *
     * @param outcome          the witnessed outcome
     * @param exitCode         the witnessed exit status
     * @param wallMillis       the charged receipt's wall time
     * @param peakMemoryBytes  the charged receipt's peak memory
     * @param timeoutMillis    the grant's timeout
     * @param leaseMemoryMiB   the lease's memory
     * @param providerConceded whether the provider answered that the charge is wrong
     */
    public record Facts(InvocationOutcome outcome, int exitCode, long wallMillis, long peakMemoryBytes, long timeoutMillis,
            long leaseMemoryMiB, boolean providerConceded) {

        public Facts {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /** A decision: the state it leads to, the rule that decided and why, in words. */
    public record Verdict(DisputeState state, String rule, String reason) {
    }

    /** The decision {@code facts} lead to (never {@link DisputeState#OPEN}). */
    public static Verdict decide(Facts facts) {
        if (facts.providerConceded()) {
            return new Verdict(DisputeState.UPHELD, PROVIDER_CONCEDED, "the provider conceded the charge");
        }
        switch (facts.outcome()) {
            case OK:
                return new Verdict(DisputeState.REJECTED, WITNESSED_SUCCESS,
                        "the gateway witnessed the call succeed (exit status " + facts.exitCode() + ")");
            case FUNCTION_ERROR:
                return new Verdict(DisputeState.REJECTED, FUNCTION_EXIT,
                        "the function ended with its own exit status " + facts.exitCode());
            case TIMEOUT: {
                long limit = facts.timeoutMillis() - EARLY_TOLERANCE.toMillis();
                return facts.wallMillis() >= limit
                        ? new Verdict(DisputeState.REJECTED, TIMEOUT_AT_LIMIT, "the call ran " + facts.wallMillis()
                                + " ms, its whole timeout of " + facts.timeoutMillis() + " ms")
                        : new Verdict(DisputeState.UPHELD, TIMEOUT_BEFORE_LIMIT, "the call was ended as timed out after "
                                + facts.wallMillis() + " ms, before its timeout of " + facts.timeoutMillis() + " ms");
            }
            case OUT_OF_MEMORY: {
                long lease = facts.leaseMemoryMiB() * 1024L * 1024L;
                return facts.peakMemoryBytes() * 100 >= lease * MEMORY_SHARE_PERCENT
                        ? new Verdict(DisputeState.REJECTED, MEMORY_AT_LIMIT, "the call was killed for memory at "
                                + facts.peakMemoryBytes() + " bytes, the lease's limit (" + facts.leaseMemoryMiB() + " MiB)")
                        : new Verdict(DisputeState.UPHELD, MEMORY_BELOW_LIMIT, "the call was killed for memory at "
                                + facts.peakMemoryBytes() + " bytes, below " + MEMORY_SHARE_PERCENT + " % of the lease's "
                                + facts.leaseMemoryMiB() + " MiB");
            }
            default:
                throw new IllegalArgumentException("unknown outcome " + facts.outcome());
        }
    }
}
