package cloud.agora.contracts;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the module's Node.js scripts from tests; a test that needs them is skipped, with a reason, where Node.js is absent. */
public final class NodeScripts {

    /** The module folder (Surefire runs tests there). */
    public static final Path MODULE = Path.of("").toAbsolutePath();

    private NodeScripts() {
    }

    /** Skips the calling test unless {@code node} and the npm tools (tools/node_modules) are installed. */
    public static Path requireNode() {
        Optional<Path> node = Optional.ofNullable(System.getenv("PATH")).stream()
                .flatMap(path -> List.of(path.split(File.pathSeparator)).stream())
                .map(dir -> Path.of(dir, "node"))
                .filter(Files::isExecutable)
                .findFirst();
        assumeTrue(node.isPresent(), "Node.js is not installed: skipped (scripts/setup.d/30-node-tools.sh installs it)");
        assumeTrue(Files.isDirectory(MODULE.resolve("../tools/node_modules/solc")),
                "tools/node_modules is missing: skipped (run `npm ci` in tools/, as scripts/setup.d/30-node-tools.sh does)");
        return node.get();
    }

    /** The result of one run. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code node script args...} in the module folder, for at most two minutes. */
    public static Result run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(requireNode().toString(), script));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("node-out", ".txt");
        Path err = Files.createTempFile("node-err", ".txt");
        try {
            Process process = new ProcessBuilder(command).directory(MODULE.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("node " + script + " did not finish within two minutes");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
