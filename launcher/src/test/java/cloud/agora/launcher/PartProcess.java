package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.testsupport.NetworkSplit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A part of a running platform taken over by a test: its command, working folder and environment read from
 * {@code /proc} while the launcher's process runs, so that the test can kill it (SIGKILL or SIGTERM) and start the
 * same again, with changes ({@link #with}, {@link #in}). What the test started it stops ({@link #stop}); the launcher
 * stops only what it started itself.
 */
final class PartProcess {

    private final String name;
    private final List<String> command;
    private final Path workingDir;
    private final Map<String, String> env;
    private final Path log;
    private final Optional<NetworkSplit> namespace;
    /** The command it ran under when not in this test's user namespace ({@code unshare -U}): started again so. */
    private final Optional<String> userNamespace;
    /** Whether its orderly stop is SIGINT rather than SIGTERM (PostgreSQL's fast shutdown). */
    private final boolean sigint;
    private ProcessHandle running;
    private Process started;

    private PartProcess(String name, List<String> command, Path workingDir, Map<String, String> env, Path log,
            Optional<NetworkSplit> namespace, Optional<String> userNamespace, boolean sigint, ProcessHandle running) {
        this.name = name;
        this.sigint = sigint;
        this.userNamespace = userNamespace;
        this.command = command;
        this.workingDir = workingDir;
        this.env = env;
        this.log = log;
        this.namespace = namespace;
        this.running = running;
    }

    /** The process {@code pid} as it runs now; a start again logs to {@code log} (appended). */
    static PartProcess of(String name, long pid, Path log) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        List<String> command = List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                .split("\0"));
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return new PartProcess(name, command, Files.readSymbolicLink(proc.resolve("cwd")), env, log, Optional.empty(),
                userNamespaceOf(proc), false, ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(name + " (pid " + pid + ") is not running")));
    }

    /**
     * {@code unshare -U} when the process at {@code proc} runs in a user namespace of its own (as the embedded PostgreSQL
     * does when started by root, since PostgreSQL refuses to run as root), to start it again the same way.
     */
    private static Optional<String> userNamespaceOf(Path proc) throws IOException {
        return Files.readSymbolicLink(proc.resolve("ns/user")).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")))
                ? Optional.empty() : Optional.of("unshare -U");
    }

    /** The same part started again with these variables set, and those named in {@code removed} unset. */
    PartProcess with(Map<String, String> set, List<String> removed) {
        Map<String, String> changed = new LinkedHashMap<>(env);
        removed.forEach(changed::remove);
        changed.putAll(set);
        return new PartProcess(name, command, workingDir, changed, log, namespace, userNamespace, sigint, running);
    }

    /** The same part started again inside {@code split}'s namespace. */
    PartProcess in(NetworkSplit split) {
        return new PartProcess(name, command, workingDir, env, log, Optional.of(split), userNamespace, sigint, running);
    }

    /** The same part, stopped in order by SIGINT (PostgreSQL: its SIGTERM waits for every client to leave). */
    PartProcess stoppedBySigint() {
        return new PartProcess(name, command, workingDir, env, log, namespace, userNamespace, true, running);
    }

    String name() {
        return name;
    }

    /** An environment variable it is started with. */
    String env(String variable) {
        return env.get(variable);
    }

    /** SIGKILL; returns once it is gone. */
    void kill() throws Exception {
        end(true);
    }

    /** Its orderly stop (SIGTERM, as a container's stop, or SIGINT: {@link #stoppedBySigint}); returns once it is gone. */
    void terminate() throws Exception {
        end(false);
    }

    private void end(boolean forcibly) throws Exception {
        if (running == null || !running.isAlive()) {
            return;
        }
        signal(forcibly);
        running.onExit().get(90, TimeUnit.SECONDS);
    }

    /** Starts it (again); readiness is the caller's to await. */
    void start() throws IOException {
        List<String> as = userNamespace.map(u -> {
            List<String> c = new java.util.ArrayList<>(List.of(u.split(" ")));
            c.addAll(command);
            return c;
        }).orElse(command);
        List<String> full = namespace.map(s -> s.inNamespace(as)).orElse(as);
        ProcessBuilder builder = new ProcessBuilder(full).directory(workingDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        started = builder.start();
        running = started.toHandle();
    }

    /** Whether the process last started or found is alive. */
    boolean alive() {
        return running != null && running.isAlive();
    }

    Path log() {
        return log;
    }

    /**
     * Waits (up to 3 minutes) until the part answers {@code GET <url>/q/health/ready} with 200, failing at once if it
     * died meanwhile (its log then says why).
     */
    void awaitReady(String url) throws Exception {
        PlatformCalls.await(name + " at " + url + " ready (see " + log + ")", Duration.ofMinutes(3), () -> {
            assertThat(alive()).as("%s alive; see %s", name, log).isTrue();
            try {
                return PlatformCalls.send("GET", url + "/q/health/ready", null, null).statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    /** Stops what this test started (its orderly stop, SIGKILL after 60 s). */
    void stop() throws Exception {
        if (started != null && started.isAlive()) {
            signal(false);
            if (!started.waitFor(60, TimeUnit.SECONDS)) {
                started.destroyForcibly();
            }
        }
    }

    private void signal(boolean forcibly) throws Exception {
        if (!forcibly && sigint) {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(running.pid())).inheritIO().start();
            assertThat(kill.waitFor()).as("SIGINT sent to %s", name).isZero();
        } else {
            assertThat(forcibly ? running.destroyForcibly() : running.destroy()).as("signal sent to %s", name).isTrue();
        }
    }
}
