package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The runc command line, with this agent's state root. Short commands only (kill, delete,
 * list); running containers is {@link #runCommand}'s caller's business. Never reads a
 * {@code runc create} pipe (it never reaches EOF): containers are started with {@code runc run}.
 */
final class Runc {

    private final String binary;
    private final Path stateRoot;

    Runc(String binary, Path stateRoot) {
        this.binary = binary;
        this.stateRoot = stateRoot;
    }

    /** argv of {@code runc run --keep} for a bundle: the container's stdio are the process's pipes. */
    List<String> runCommand(Path bundle, String id) {
        return List.of(binary, "--root", stateRoot.toString(), "run", "--keep", "--bundle", bundle.toString(), id);
    }

    /** Sends SIGKILL to every process of the container; quiet if it is already gone. */
    void kill(String id) {
        exec("kill", "--all", id, "KILL");
    }

    /** Removes the container (forcibly, even if running), its state and its cgroups. */
    void delete(String id) {
        Result result = exec("delete", "--force", id);
        if (result.exitCode != 0 && !result.stderr.contains("does not exist") && !result.stderr.contains("not exist")) {
            throw new RuntimeFailureException("runc delete " + id + " failed: " + result.stderr.strip());
        }
    }

    /**
     * Whether runc knows the container (created, running or stopped): its state file, which {@code runc state} reads,
     * under the state root (a file check instead of a runc process, ~13 ms, on every cold call).
     */
    boolean exists(String id) {
        return java.nio.file.Files.exists(stateRoot.resolve(id).resolve("state.json"));
    }

    /** The ids of every container under this state root. */
    List<String> list() {
        Result result = exec("list", "--quiet");
        if (result.exitCode != 0) {
            throw new RuntimeFailureException("runc list failed: " + result.stderr.strip());
        }
        List<String> ids = new ArrayList<>();
        for (String line : result.stdout.split("\n")) {
            if (!line.isBlank()) {
                ids.add(line.strip());
            }
        }
        return ids;
    }

    /** runc's version line, or null if it cannot run. */
    String version() {
        try {
            Result result = exec("--version");
            return result.exitCode == 0 ? result.stdout.lines().findFirst().orElse("") : null;
        } catch (RuntimeFailureException e) {
            return null;
        }
    }

    private Result exec(String... args) {
        List<String> argv = new ArrayList<>(List.of(binary, "--root", stateRoot.toString()));
        argv.addAll(Arrays.asList(args));
        try {
            Process process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            // outputs are small: read stderr after stdout
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new RuntimeFailureException("runc " + String.join(" ", args) + " did not finish in 30 s");
            }
            return new Result(process.exitValue(), stdout, stderr);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailureException("interrupted while running runc", e);
        }
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }
}
