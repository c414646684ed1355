package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The platform as `./agora run` starts it, as a child process of a test, on a given state folder. */
final class LocalPlatform implements AutoCloseable {

    static final Path REPO = Path.of(System.getProperty("agora.repo", "..")).toAbsolutePath().normalize();

    private final Path state;
    private final List<String> options;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Process launcher;
    private int starts;
    private boolean throughTheScript;

    /** A platform on {@code state} started with the launcher's {@code options} (e.g. {@code --agents 2}). */
    LocalPlatform(Path state, String... options) {
        this.state = state;
        this.options = List.of(options);
    }

    /** Sets an environment variable of the launcher, which its services inherit (e.g. a short audit interval). */
    LocalPlatform withEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * Starts the platform with the repository's {@code ./agora run} (its prerequisites and build check first) instead of
     * the launcher's jar directly.
     */
    LocalPlatform throughTheScript() {
        throughTheScript = true;
        return this;
    }

    Path state() {
        return state;
    }

    /** What the launcher printed since its last start. */
    String output() throws java.io.IOException {
        return Files.readString(state.resolve("launcher-" + starts + ".out"));
    }

    /** Starts the launcher and waits until it says the platform is running. */
    LocalPlatform start() throws Exception {
        Path out = state.resolve("launcher-" + (++starts) + ".out");
        List<String> command = throughTheScript
                ? new ArrayList<>(List.of(REPO.resolve("agora").toString(), "run", "--state", state.toString()))
                : new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                        REPO.resolve("launcher/target/launcher.jar").toString(), "up", "--root", REPO.toString(), "--state",
                        state.toString()));
        command.addAll(options);
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        builder.environment().putAll(env);
        launcher = builder.start();
        // generous: on a loaded 2-core machine seven JVMs take minutes to start
        Instant deadline = Instant.now().plus(Duration.ofMinutes(6));
        while (!(Files.exists(out) && Files.readString(out).contains("Agora is running"))) {
            assertThat(launcher.isAlive()).as("launcher alive; output:\n%s", Files.exists(out) ? Files.readString(out) : "")
                    .isTrue();
            assertThat(Instant.now()).as("platform up within 6 minutes").isBefore(deadline);
            Thread.sleep(500);
        }
        return this;
    }

    /** The PID the launcher recorded for one of its parts ({@code state/pids/<part>.pid}). */
    long pid(String part) throws java.io.IOException {
        return Long.parseLong(Files.readString(state.resolve("pids/" + part + ".pid")).strip());
    }

    /**
     * Copies the platform's logs and the first agent's journal lists (not its receipts) to {@code target/<folder>}, for
     * a failed test whose state folder is deleted.
     */
    void keepForInspection(String folder) throws java.io.IOException {
        Path kept = REPO.resolve("launcher/target/" + folder);
        Files.createDirectories(kept);
        for (Path dir : List.of(state.resolve("logs"), state.resolve("provider-agent/journal"))) {
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> !f.toString().endsWith(".jsonl") || f.endsWith("shipped.jsonl")).toList()) {
                        Files.copy(f, kept.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** Stops the launcher as Ctrl-C would (SIGTERM), which stops every part. */
    void stop() throws InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroy();
            if (!launcher.waitFor(90, TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
        }
        launcher = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
