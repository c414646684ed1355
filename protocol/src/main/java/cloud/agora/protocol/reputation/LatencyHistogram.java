package cloud.agora.protocol.reputation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Durations counted in fixed buckets, so that anyone holding the counts computes the same percentiles: bucket
 * {@code i} counts durations up to {@link #BOUNDS_MILLIS}{@code [i]} milliseconds (and above the previous bound), the
 * last one everything longer. A percentile is the upper bound of the bucket that holds it (an upper bound on the true
 * value; {@code -1} for the last bucket, "longer than the largest bound"), exact enough to rank providers and exact to
 * recompute.
 *
 * @param counts one count per bucket ({@link #BUCKETS} of them)
 */
public record LatencyHistogram(List<Long> counts) {

    /** Upper bounds of the buckets but the last, in milliseconds. */
    public static final long[] BOUNDS_MILLIS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000,
        60_000};
    public static final int BUCKETS = BOUNDS_MILLIS.length + 1;
    /** The value a percentile in the last bucket reads as: longer than every bound. */
    public static final long BEYOND = -1;

    public LatencyHistogram {
        if (counts == null || counts.isEmpty()) {
            counts = Collections.nCopies(BUCKETS, 0L);
        }
        if (counts.size() != BUCKETS) {
            throw new IllegalArgumentException("a latency histogram has " + BUCKETS + " buckets, not " + counts.size());
        }
        for (Long count : counts) {
            if (count == null || count < 0) {
                throw new IllegalArgumentException("a latency histogram's counts are whole numbers ≥ 0");
            }
        }
        counts = List.copyOf(counts);
    }

    public static LatencyHistogram empty() {
        return new LatencyHistogram(null);
    }

    /** The bucket a duration falls in. */
    public static int bucketOf(long millis) {
        for (int i = 0; i < BOUNDS_MILLIS.length; i++) {
            if (millis <= BOUNDS_MILLIS[i]) {
                return i;
            }
        }
        return BOUNDS_MILLIS.length;
    }

    public long total() {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        return total;
    }

    /** Both histograms' counts added. */
    public LatencyHistogram plus(LatencyHistogram other) {
        List<Long> sum = new ArrayList<>(BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            sum.add(counts.get(i) + other.counts.get(i));
        }
        return new LatencyHistogram(sum);
    }

    /**
     * The upper bound of the bucket holding the {@code q}-quantile (the smallest bound with at least {@code ceil(q ×
     * total)} durations at or below it), {@link #BEYOND} when that is the last bucket, or null with no durations.
     */
    public Long percentile(double q) {
        long total = total();
        if (total == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return i < BOUNDS_MILLIS.length ? BOUNDS_MILLIS[i] : BEYOND;
            }
        }
        return BEYOND;
    }

    /** Counts in a mutable form, for the one thread that collects them. */
    public static final class Counter {
        private final long[] counts = new long[BUCKETS];

        public void add(long millis) {
            counts[bucketOf(Math.max(0, millis))]++;
        }

        public LatencyHistogram snapshot() {
            List<Long> list = new ArrayList<>(BUCKETS);
            for (long count : counts) {
                list.add(count);
            }
            return new LatencyHistogram(list);
        }
    }
}
