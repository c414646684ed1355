package cloud.agora.cli.fn;

import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code fn init}: a new function folder from a template ({@code templates/<language>/} of the repository, carried in
 * this CLI's jar), with its {@value FunctionProject#SPEC} named and an {@value FunctionProject#SETTINGS} holding the
 * language and a deployment request.
 */
final class FunctionTemplates {

    /** The functions service's rule for names. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,61}[a-z0-9]");

    private FunctionTemplates() {
    }

    /**
     * Copies {@code language}'s template into {@code dir} (which must not exist) for a function named {@code name}.
     *
     * @param deployment the deployment request {@code fn deploy} sends (replicas, constraints, max prices)
     */
    static void init(Language language, String name, Path dir, ObjectNode deployment) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a function name is 2-63 characters of a-z, 0-9 and '-', starts with a letter"
                    + " and does not end with '-': " + name);
        }
        if (Files.exists(dir)) {
            throw new IOException(dir + " exists; not writing a function over it");
        }
        URL marker = FunctionTemplates.class.getResource("/templates/" + language.id() + "/" + FunctionProject.SPEC);
        if (marker == null) {
            throw new IOException("this CLI carries no template for " + language.id());
        }
        Path partial = dir.resolveSibling("." + dir.getFileName() + ".partial");
        FunctionBuilder.deleteTree(partial);
        try {
            URI uri = marker.toURI();
            if (uri.getScheme().equals("jar")) {
                try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                    copy(jar.provider().getPath(uri).getParent(), partial);
                }
            } else {
                copy(Path.of(uri).getParent(), partial);
            }
            ObjectNode spec = (ObjectNode) JsonCodec.mapper().readTree(partial.resolve(FunctionProject.SPEC).toFile());
            spec.put("name", name);
            write(partial.resolve(FunctionProject.SPEC), spec);
            ObjectNode settings = JsonCodec.mapper().createObjectNode();
            settings.put("language", language.id());
            settings.set("deployment", deployment);
            write(partial.resolve(FunctionProject.SETTINGS), settings);
            Files.move(partial, dir);
        } catch (URISyntaxException e) {
            throw new IOException(e);
        } finally {
            FunctionBuilder.deleteTree(partial);
        }
    }

    /** The deployment request of a new function: the root README walkthrough's bid for the local platform. */
    static ObjectNode localDeployment() {
        ObjectNode order = JsonCodec.mapper().createObjectNode();
        order.put("replicas", 1);
        order.putObject("constraints").put("region", "local");
        ObjectNode prices = order.putObject("maxPrices");
        prices.put("perVcpuSecond", "2000000");
        prices.put("perGiBSecond", "200000");
        prices.put("perInvocation", "2000000000");
        prices.put("perGiBMonth", "1");
        return order;
    }

    private static void copy(Path template, Path to) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(template)) {
            entries = walk.sorted().toList();
        }
        for (Path entry : entries) {
            Path copy = to.resolve(template.relativize(entry).toString());
            if (Files.isDirectory(entry)) {
                Files.createDirectories(copy);
            } else {
                Files.copy(entry, copy);
                if (copy.getFileName().toString().endsWith(".sh")) { // a jar keeps no modes
                    Files.setAttribute(copy, "unix:mode", 0755);
                }
            }
        }
    }

    private static void write(Path file, Object json) throws IOException {
        Files.writeString(file, JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
    }
}
