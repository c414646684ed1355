package cloud.agora.contracts.devnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local Ethereum node: Foundry's {@code anvil} as a child process on 127.0.0.1, mining each transaction at
 * once. It starts in tens of milliseconds, so every test class can have its own.
 *
 * <p>The binary comes from the npm package {@code @foundry-rs/anvil-linux-amd64} that {@code tools/} installs
 * ({@code scripts/setup.d/30-node-tools.sh}). It is looked up, in order: the system property
 * {@code agora.anvil.path}, the environment variable {@code AGORA_ANVIL}, {@code tools/node_modules/...}
 * in the working directory or any parent, then {@code anvil} on the {@code PATH}.
 *
 * <p>Its accounts are derived from {@link DevKeys#MNEMONIC} (Anvil's well-known test mnemonic). Close it to stop
 * the process; a JVM shutdown hook stops it too if a caller forgets.
 *
 * <p>With a state file, Anvil writes the chain there when it stops, and this object also keeps a crash-safe copy:
 * every {@link #SNAPSHOT_INTERVAL} it asks the node for its state ({@code anvil_dumpState}) and, when it changed,
 * writes it to the state file atomically (a temporary file, forced to disk, then renamed over it). Anvil's own
 * {@code --state-interval} rewrites the file in place, so a SIGKILL during a dump would leave it truncated and the
 * node could not start again; with the copy a killed node started again on the same file loses at most the blocks of
 * the last interval. The snapshots go to the port, so they follow a node started again there by someone else.
 */
public final class Anvil implements AutoCloseable {

    /** The chain id Anvil uses unless told otherwise. */
    public static final long DEFAULT_CHAIN_ID = 31337;

    private static final String NPM_BINARY = "tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    /** How often the crash-safe copy of the state is taken. */
    public static final Duration SNAPSHOT_INTERVAL = Duration.ofSeconds(1);

    private final Process process;
    private final int port;
    private final long chainId;
    private final Thread shutdownHook;
    private final Thread snapshots;

    /**
     * How to start Anvil.
     *
     * @param port      the port to listen on; 0 picks a free one
     * @param chainId   the chain id
     * @param accounts  how many dev accounts to fund (each with {@code balanceEth})
     * @param balanceEth each dev account's balance in ether
     * @param stateFile where to load the chain from and save it to on exit (so that a local platform keeps its
     *                  deposits across restarts); null for a throw-away chain
     */
    public record Options(int port, long chainId, int accounts, long balanceEth, Path stateFile) {

        /** A throw-away chain on a free port with ten accounts of 10,000 ETH each. */
        public static Options defaults() {
            return new Options(0, DEFAULT_CHAIN_ID, DevKeys.COUNT, 10_000, null);
        }

        public Options withPort(int newPort) {
            return new Options(newPort, chainId, accounts, balanceEth, stateFile);
        }

        public Options withStateFile(Path file) {
            return new Options(port, chainId, accounts, balanceEth, file);
        }
    }

    private Anvil(Process process, int port, long chainId, Path stateFile) {
        this.process = process;
        this.port = port;
        this.chainId = chainId;
        this.shutdownHook = new Thread(this::stopProcess, "anvil-stop-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        if (stateFile == null) {
            this.snapshots = null;
        } else {
            this.snapshots = new Thread(new StateSnapshots(rpcUrl(), stateFile, SNAPSHOT_INTERVAL), "anvil-snapshots-" + port);
            this.snapshots.setDaemon(true);
            this.snapshots.start();
        }
    }

    /** Starts a throw-away node on a free port. */
    public static Anvil start() {
        return start(Options.defaults());
    }

    /** Starts a node and returns once it accepts connections. */
    public static Anvil start(Options options) {
        Path binary = binary().orElseThrow(() -> new IllegalStateException(
                "anvil not found: run scripts/setup.d/30-node-tools.sh (npm ci in tools/), or set -Dagora.anvil.path"));
        IOException lastFailure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = options.port() == 0 ? freePort() : options.port();
            List<String> command = new ArrayList<>(List.of(binary.toString(),
                    "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--chain-id", Long.toString(options.chainId()),
                    "--accounts", Integer.toString(options.accounts()),
                    "--balance", Long.toString(options.balanceEth()),
                    "--mnemonic", DevKeys.MNEMONIC,
                    "--silent"));
            if (options.stateFile() != null) {
                command.addAll(List.of("--state", options.stateFile().toString()));
            }
            try {
                Process process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (awaitListening(process, port)) {
                    return new Anvil(process, port, options.chainId(), options.stateFile());
                }
                process.destroyForcibly();
                lastFailure = new IOException("anvil exited or did not listen on port " + port);
                if (options.port() != 0) {
                    break;
                }
            } catch (IOException e) {
                lastFailure = e;
            }
        }
        throw new UncheckedIOException("could not start anvil", lastFailure);
    }

    /** Where the anvil binary is, if anywhere. */
    public static Optional<Path> binary() {
        String configured = System.getProperty("agora.anvil.path", System.getenv("AGORA_ANVIL"));
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(NPM_BINARY);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir, "anvil");
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** The JSON-RPC URL. */
    public String rpcUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long chainId() {
        return chainId;
    }

    /** The operating system's process id. */
    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Stops the node (SIGTERM, so that a state file is written; SIGKILL after 5 s). */
    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing left to do
        }
    }

    private void stopProcess() {
        if (snapshots != null) {
            // no copy replaces the file while the node writes its own at exit
            snapshots.interrupt();
            try {
                snapshots.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static boolean awaitListening(Process process, int port) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
