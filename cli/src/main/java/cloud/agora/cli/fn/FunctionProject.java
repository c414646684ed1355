package cloud.agora.cli.fn;

import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A function's folder as {@code fn init} makes it: {@value #SPEC} (the spec exactly as the functions service takes
 * it: name, runtime, mode, memoryMiB…), {@value #SETTINGS} (what only this CLI reads: the language and the deployment
 * request, i.e. the bid) and the sources; {@code fn build} writes {@code target/}.
 */
record FunctionProject(Path dir, ObjectNode spec, Language language, JsonNode deployment) {

    static final String SPEC = "function.json";
    static final String SETTINGS = "agora.json";
    static final String TARGET = "target";

    /** Reads the folder; fails naming the file that is missing or wrong. */
    static FunctionProject read(Path dir) throws IOException {
        Path specFile = dir.resolve(SPEC);
        Path settingsFile = dir.resolve(SETTINGS);
        if (!Files.isRegularFile(specFile) || !Files.isRegularFile(settingsFile)) {
            throw new IOException(dir.toAbsolutePath().normalize() + " is not a function folder (" + SPEC + " and " + SETTINGS
                    + " are made by 'fn init')");
        }
        JsonNode spec = JsonCodec.mapper().readTree(specFile.toFile());
        if (!(spec instanceof ObjectNode object) || !spec.path("name").isTextual()) {
            throw new IOException(specFile + " must be a JSON object with a name");
        }
        JsonNode settings = JsonCodec.mapper().readTree(settingsFile.toFile());
        String id = settings.path("language").asText("");
        Language language = Language.byId(id).orElseThrow(() -> new IOException(settingsFile + ": language '" + id
                + "' is not one of " + Language.known()));
        return new FunctionProject(dir, object, language, settings.path("deployment"));
    }

    String name() {
        return spec.get("name").asText();
    }

    /** What {@code fn build} writes and {@code fn deploy} publishes. */
    Path artifact() {
        return dir.resolve(TARGET).resolve(language.image() ? "image.tar" : "bundle.tar.gz");
    }
}
