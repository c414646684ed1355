package cloud.agora.testsupport;

import java.util.List;

/** Reads samples out of a Prometheus text exposition ({@code /q/metrics}). */
public final class PrometheusText {

    private PrometheusText() {
    }

    /** The samples of {@code metric} (a name) whose labels contain every one of {@code labels} ({@code name="value"}). */
    public static List<Double> samples(String exposition, String metric, String... labels) {
        return exposition.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                .filter(l -> List.of(labels).stream().allMatch(l::contains)).map(PrometheusText::value).toList();
    }

    /** The sum of {@link #samples}: 0 when there is none yet. */
    public static double sum(String exposition, String metric, String... labels) {
        return samples(exposition, metric, labels).stream().mapToDouble(Double::doubleValue).sum();
    }

    /** The value of one sample line: after the name and labels, before a timestamp or an exemplar. */
    static double value(String line) {
        String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
        int labelsEnd = sample.lastIndexOf('}');
        String rest = labelsEnd >= 0 ? sample.substring(labelsEnd + 1) : sample.substring(sample.indexOf(' '));
        return Double.parseDouble(rest.trim().split(" ")[0]);
    }
}
