package cloud.agora.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The chart under test, rendered and linted through helm-java's bundled Helm engine. */
final class Chart {

    static final Path DIR = Path.of(System.getProperty("agora.chart", "agora")).toAbsolutePath().normalize();
    static final String RELEASE = "agora";
    static final String NAMESPACE = "agora-system";
    /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion): policy/v1 and autoscaling/v2 exist there. */
    static final String KUBE_VERSION = "1.25.0";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final KubernetesSerialization K8S = new KubernetesSerialization();

    private Chart() {
    }

    /** {@code helm template} with the values file under ci/ and extra --set pairs; the manifests as typed objects. */
    static List<HasMetadata> render(String ciValues, Map<String, Object> sets) {
        var template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION)
                .withValuesFile(DIR.resolve("ci").resolve(ciValues));
        sets.forEach(template::set);
        return parse(template.call());
    }

    static List<HasMetadata> parse(String manifests) {
        List<HasMetadata> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifests)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext();) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    objects.add(K8S.unmarshal(doc.toString(), HasMetadata.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return objects;
    }

    /**
     * {@code helm lint --strict} of the chart whose values.yaml is the defaults merged with one ci/ values file
     * (helm-java's lint takes no values file, so the merged chart is linted from a copy).
     */
    static LintResult lint(String ciValues) throws IOException {
        Path copy = Files.createTempDirectory("agora-chart-");
        Path chart = copy.resolve("agora");
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = chart.resolve(DIR.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        ObjectNode values = (ObjectNode) YAML.readTree(DIR.resolve("values.yaml").toFile());
        JsonNode override = YAML.readTree(DIR.resolve("ci").resolve(ciValues).toFile());
        new ObjectMapper().readerForUpdating(values).readValue(override);
        YAML.writeValue(chart.resolve("values.yaml").toFile(), values);
        try {
            return new Helm(chart).lint().strict().call();
        } finally {
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
