package cloud.agora.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The platform on one machine: {@code up} starts PostgreSQL (embedded, data under the state
 * folder), a Kafka broker process (KRaft), and every service that has been built, waits until
 * each is healthy, prints the URLs and dev keys, and stops everything on Ctrl-C; {@code stop}
 * stops a running {@code up} from another shell. A second {@code up} reuses the state.
 */
@Command(name = "launcher", mixinStandardHelpOptions = true, subcommands = {Launcher.Up.class, Launcher.Stop.class},
        description = "Runs the Agora platform on this machine.")
public class Launcher {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Launcher()).execute(args));
    }

    /** Options shared by both commands. */
    static class Paths {
        @Option(names = "--root", defaultValue = ".", description = "the repository root (where the built modules are)")
        Path root;

        @Option(names = "--state", description = "where data, logs and keys live (default: <root>/state)")
        Path state;

        Path state() {
            return (state != null ? state : root.resolve("state")).toAbsolutePath().normalize();
        }
    }

    @Command(name = "up", description = "Starts the platform and runs until Ctrl-C or `stop`.")
    static class Up implements Callable<Integer> {
        @CommandLine.Mixin
        Paths paths = new Paths();

        @Option(names = "--postgres-url", description = "use this PostgreSQL server (jdbc:postgresql://host:port) instead of the "
                + "embedded one; env AGORA_POSTGRES_URL")
        Optional<String> postgresUrl;

        @Option(names = "--postgres-user", defaultValue = "${env:AGORA_POSTGRES_USER:-postgres}")
        String postgresUser;

        @Option(names = "--postgres-password", defaultValue = "${env:AGORA_POSTGRES_PASSWORD:-postgres}")
        String postgresPassword;

        @Option(names = "--kafka", description = "use this Kafka bootstrap address instead of a local broker; env AGORA_KAFKA")
        Optional<String> kafka;

        @Option(names = "--ready-timeout", defaultValue = "120", description = "seconds to wait for each part (default ${DEFAULT-VALUE})")
        long readySeconds;

        @Option(names = "--agents", defaultValue = "${env:AGORA_AGENTS:-1}", description = "provider agents to run on this "
                + "machine, 0 to " + Platform.MAX_AGENTS + " (ports 8090, 8091, ...; each its own dev key and data; default ${DEFAULT-VALUE})")
        int agents;

        @Option(names = "--listen", defaultValue = "${env:AGORA_LISTEN:-127.0.0.1}", description = "the address the services "
                + "and agents listen on (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every interface); "
                + "PostgreSQL, Kafka and Anvil always listen on loopback; env AGORA_LISTEN")
        String listen;

        @Option(names = "--public-url", defaultValue = "${env:AGORA_PUBLIC_URL:-http://localhost}", description = "the URL "
                + "users reach the platform at: sign-in messages name its host and it, which wallets show and check "
                + "(default ${DEFAULT-VALUE}); env AGORA_PUBLIC_URL")
        java.net.URI publicUrl;

        @Override
        public Integer call() throws Exception {
            Platform platform = new Platform(paths.root.toAbsolutePath().normalize(), paths.state(),
                    postgresUrl.or(() -> Optional.ofNullable(System.getenv("AGORA_POSTGRES_URL"))),
                    postgresUser, postgresPassword,
                    kafka.or(() -> Optional.ofNullable(System.getenv("AGORA_KAFKA"))),
                    Duration.ofSeconds(readySeconds), agents, listen, SignInSite.of(publicUrl));
            Runtime.getRuntime().addShutdownHook(new Thread(platform::stop, "platform-stop"));
            platform.start();
            platform.awaitStop();
            return 0;
        }
    }

    @Command(name = "stop", description = "Stops a platform started by `up` (by the PID it recorded).")
    static class Stop implements Callable<Integer> {
        @CommandLine.Mixin
        Paths paths = new Paths();

        @Override
        public Integer call() throws Exception {
            Path pidFile = paths.state().resolve("launcher.pid");
            if (!Files.exists(pidFile)) {
                System.out.println("not running (no " + pidFile + ")");
                return 0;
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            Optional<ProcessHandle> launcher = ProcessHandle.of(pid);
            if (launcher.isEmpty()) {
                Files.deleteIfExists(pidFile);
                System.out.println("not running (stale pid " + pid + ")");
                return 0;
            }
            launcher.get().destroy();
            launcher.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println("stopped");
            return 0;
        }
    }
}
