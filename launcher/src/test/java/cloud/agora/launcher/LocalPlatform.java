package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** The platform as `./agora run` starts it, as a child process of a test, on a given state folder. */
final class LocalPlatform implements AutoCloseable {

    static final Path REPO = Path.of(System.getProperty("agora.repo", "..")).toAbsolutePath().normalize();

    private final Path state;
    private Process launcher;
    private int starts;

    LocalPlatform(Path state) {
        this.state = state;
    }

    Path state() {
        return state;
    }

    /** Starts the launcher and waits until it says the platform is running. */
    LocalPlatform start() throws Exception {
        Path out = state.resolve("launcher-" + (++starts) + ".out");
        launcher = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                REPO.resolve("launcher/target/launcher.jar").toString(), "up", "--root", REPO.toString(), "--state",
                state.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (!(Files.exists(out) && Files.readString(out).contains("Agora is running"))) {
            assertThat(launcher.isAlive()).as("launcher alive; output:\n%s", Files.exists(out) ? Files.readString(out) : "")
                    .isTrue();
            assertThat(Instant.now()).as("platform up within 3 minutes").isBefore(deadline);
            Thread.sleep(500);
        }
        return this;
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
