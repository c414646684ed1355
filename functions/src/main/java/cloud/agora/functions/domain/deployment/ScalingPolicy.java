package cloud.agora.functions.domain.deployment;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * When a deployment's replicas follow its load, how many it should have: fed one sample of its calls in flight per
 * tick, it answers a decision or nothing. Pure: no clock, no I/O; one per deployment.
 *
 * <ul>
 *   <li><b>Up</b>: when the calls in flight, averaged over {@code upWindow}, are above {@code targetConcurrency} per
 *       replica, to as many replicas as that average needs at the target ({@code ceil(average / target)}), at least one
 *       more, at most {@code maxReplicas}. A burst shorter than the window moves nothing.</li>
 *   <li><b>Down</b>: one replica fewer, never below {@code minReplicas}, when for the whole of {@code downAfter} (the
 *       idle time, governed) the calls in flight never exceeded what one replica fewer serves at the target.</li>
 *   <li>After a decision both windows start again: the next one waits for a full window of the new state.</li>
 * </ul>
 */
public final class ScalingPolicy {

    private final Duration upWindow;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private Instant since;

    public ScalingPolicy(Duration upWindow) {
        this.upWindow = upWindow;
    }

    /** A decision: the replicas to have, and why. */
    public record Decision(int replicas, String reason) {
    }

    private record Sample(Instant at, int inFlight) {
    }

    /**
     * Takes the calls in flight at {@code now} for a deployment that should have {@code replicas}, within
     * {@code bounds}, and decides, giving up a replica after {@code downAfter} (the idle time in effect).
     */
    public Optional<Decision> sample(Instant now, int inFlight, int replicas, Autoscaling bounds, Duration downAfter) {
        if (since == null) {
            since = now;
        }
        samples.addLast(new Sample(now, inFlight));
        Duration keep = upWindow.compareTo(downAfter) > 0 ? upWindow : downAfter;
        while (!samples.isEmpty() && samples.peekFirst().at().isBefore(now.minus(keep))) {
            samples.removeFirst();
        }
        int target = bounds.targetConcurrency();
        if (replicas < bounds.maxReplicas() && covers(now, upWindow)) {
            double average = samples.stream().filter(s -> !s.at().isBefore(now.minus(upWindow)))
                    .mapToInt(Sample::inFlight).average().orElse(0);
            if (average > (double) target * replicas) {
                int wanted = Math.min(bounds.maxReplicas(), Math.max(replicas + 1, (int) Math.ceil(average / target)));
                return decided(now, new Decision(wanted, String.format(java.util.Locale.ROOT,
                        "%.1f calls in flight on average over %d s, above %d per replica on %d", average,
                        upWindow.toSeconds(), target, replicas)));
            }
        }
        if (replicas > bounds.minReplicas() && covers(now, downAfter)) {
            int peak = samples.stream().filter(s -> !s.at().isBefore(now.minus(downAfter))).mapToInt(Sample::inFlight)
                    .max().orElse(0);
            if (peak <= target * (replicas - 1)) {
                return decided(now, new Decision(replicas - 1, "at most " + peak + " calls in flight for "
                        + downAfter.toSeconds() + " s, within what " + (replicas - 1) + " replica(s) serve at " + target
                        + " each"));
            }
        }
        return Optional.empty();
    }

    /** Whether the samples since the last decision span {@code window}. */
    private boolean covers(Instant now, Duration window) {
        return !since.plus(window).isAfter(now);
    }

    private Optional<Decision> decided(Instant now, Decision decision) {
        samples.clear();
        since = now;
        return Optional.of(decision);
    }
}
