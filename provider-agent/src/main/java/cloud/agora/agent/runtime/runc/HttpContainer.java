package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Usage;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container whose function is a long-running HTTP server (HTTP mode). The server is the container's own process,
 * started with {@code PORT} in its environment, and must listen on that TCP port (on {@code 127.0.0.1}, {@code ::1} or
 * any address: the container's network namespace has only its loopback). A cold start is "start the server, wait
 * until the kernel lists a socket listening on the port"; then each call is one HTTP/1.1 exchange, one call at a
 * time, so the call's CPU and peak memory are exactly the container cgroup's counters before and after it.
 *
 * <p>The agent reaches the port through a bridge: {@code socat}, entered into the container's network namespace only
 * ({@code nsenter --net}), listens on a Unix socket in a root-only host directory and relays each connection to the
 * port; the agent keeps one connection per container ({@link HttpOverSocket}). Nothing else of the host is visible to
 * the container, and the container gets no route out. The bridge runs outside the container's cgroup: its copying is
 * the provider's cost, not the call's.
 *
 * <p>Metering: a call's CPU is the cgroup's CPU counter after the answer's last byte minus before its first byte was
 * sent, its peak memory the peak within that window; the first call of a container is also charged for the server's
 * start (CPU, memory and wall time from the container's creation), as an exec-mode cold call is for its container's.
 * What a server does between calls is charged to nobody. A container that timed out, ran out of memory or broke HTTP
 * is removed, never reused.
 */
final class HttpContainer extends PooledContainer {

    /** The TCP port an HTTP-mode function listens on, in its own network namespace ({@code $PORT}). */
    static final int PORT = 8080;
    /** The standard output and error kept per container, of which a call gets what was written while it ran. */
    static final int LOG_BYTES = 256 * 1024;

    final String id;
    final String cgroup;
    private final RuncRuntime runtime;
    private final Cgroups cgroups;
    private final Process process;
    private final OutputLog log;
    private final Path socket;
    private final Instant createdAt;
    private final long createdNanos;
    private Process bridge;
    private HttpOverSocket client;

    private HttpContainer(String id, RuncRuntime runtime, Process process, OutputLog log, Path socket, Instant createdAt,
            long createdNanos) {
        this.id = id;
        this.cgroup = runtime.cgroupPath(id);
        this.runtime = runtime;
        this.cgroups = runtime.cgroups();
        this.process = process;
        this.log = log;
        this.socket = socket;
        this.createdAt = createdAt;
        this.createdNanos = createdNanos;
    }

    /** Starts the server's container; the first {@link #invoke} waits until it listens. */
    static HttpContainer start(RuncRuntime runtime, Workload workload, FunctionSpec function) {
        String id = runtime.newContainerId(workload.leaseId());
        Map<String, String> env = runtime.baseEnvironment(function, null);
        env.putAll(function.env());
        env.put("PORT", Integer.toString(PORT));
        Path bundle = runtime.writeBundle(id, function, workload, env, function.command());
        Instant createdAt = Instant.now();
        long createdNanos = System.nanoTime();
        try {
            Process process = new ProcessBuilder(runtime.runc().runCommand(bundle, id)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            OutputLog log = OutputLog.drain(process.getInputStream(), LOG_BYTES, runtime.workers());
            return new HttpContainer(id, runtime, process, log, runtime.bridgeSocket(), createdAt, createdNanos);
        } catch (IOException e) {
            runtime.removeContainer(id);
            throw new RuntimeFailureException("cannot start runc: " + e.getMessage(), e);
        }
    }

    @Override
    InvocationResult invoke(Workload workload, InvocationRequest request, boolean reused) {
        long timeoutNanos = workload.limits().timeout().toNanos();
        boolean cold = client == null;
        Instant started = cold ? createdAt : Instant.now();
        long startNanos = cold ? createdNanos : System.nanoTime();
        long mark = cold ? 0 : log.mark();
        long cpuBefore = 0;
        long oomBefore = 0;
        Cgroups.PeakWindow window = null;
        if (cold) {
            Readiness ready = awaitListening(startNanos + timeoutNanos);
            if (ready != Readiness.LISTENING) {
                broken = true;
                return ended(ready == Readiness.TIMED_OUT ? InvocationOutcome.TIMEOUT : InvocationOutcome.FUNCTION_ERROR,
                        request, started, startNanos, mark, cpuBefore, oomBefore, null, reused);
            }
        } else {
            cpuBefore = cgroups.cpuNanos(cgroup);
            oomBefore = cgroups.oomKills(cgroup);
            window = cgroups.startPeakWindow(cgroup);
        }
        try {
            Future<HttpOverSocket.Response> exchange = runtime.workers()
                    .submit(() -> client.exchange(request, runtime.settings().maxOutputBytes()));
            long left = startNanos + timeoutNanos - System.nanoTime();
            try {
                HttpOverSocket.Response response = exchange.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
                if (!response.keepAlive()) {
                    client.close(); // reconnects on the next call
                }
                InvocationResult result = ended(InvocationOutcome.OK, request, started, startNanos, mark, cpuBefore,
                        oomBefore, window, reused);
                if (result.outcome() != InvocationOutcome.OK) {
                    return result;
                }
                return new InvocationResult(InvocationOutcome.OK, 0, response.body(), result.stderr(),
                        result.stderrTruncated(), withBytesOut(result.usage(), response.body().length), reused,
                        response.status(), response.headers());
            } catch (TimeoutException e) {
                broken = true;
                runtime.runc().kill(id);
                exchange.cancel(true);
                return ended(InvocationOutcome.TIMEOUT, request, started, startNanos, mark, cpuBefore, oomBefore, window,
                        reused);
            } catch (ExecutionException e) {
                broken = true; // the server closed the connection, died, or broke HTTP: the call failed in the function
                InvocationResult result = ended(InvocationOutcome.FUNCTION_ERROR, request, started, startNanos, mark,
                        cpuBefore, oomBefore, window, reused);
                String why = "agora: the function's HTTP answer failed: " + e.getCause().getMessage() + "\n";
                return new InvocationResult(result.outcome(), result.exitCode(), result.stdout(), result.stderr() + why,
                        result.stderrTruncated(), result.usage(), reused);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                broken = true;
                throw new RuntimeFailureException("interrupted", e);
            }
        } finally {
            if (window != null) {
                window.close();
            }
        }
    }

    /**
     * The call's result from the cgroup's counters now: out of memory wins over the outcome given; the container is
     * marked broken for anything but a plain answer.
     */
    private InvocationResult ended(InvocationOutcome outcome, InvocationRequest request, Instant started, long startNanos,
            long mark, long cpuBefore, long oomBefore, Cgroups.PeakWindow window, boolean reused) {
        long wallMillis = (System.nanoTime() - startNanos) / 1_000_000;
        if (!cgroups.exists(cgroup)) {
            broken = true;
            throw new RuntimeFailureException("the container " + id + " did not start or was removed: "
                    + text(log.since(0)).strip());
        }
        long cpu = cgroups.cpuNanos(cgroup) - cpuBefore;
        long peak = window == null ? cgroups.peakMemoryBytes(cgroup) : window.bytes();
        boolean oom = cgroups.oomKills(cgroup) > oomBefore;
        InvocationOutcome end = oom ? InvocationOutcome.OUT_OF_MEMORY : outcome;
        if (end != InvocationOutcome.OK) {
            broken = true;
        }
        int exit = end == InvocationOutcome.OK ? 0 : end == InvocationOutcome.FUNCTION_ERROR ? -1 : 137;
        StreamDrain.Tail out = log.since(mark);
        Usage usage = new Usage(cpu, peak, wallMillis, request.body().length, 0, started, started.plusMillis(wallMillis));
        return new InvocationResult(end, exit, new byte[0], text(out), out.truncated(), usage, reused);
    }

    private static Usage withBytesOut(Usage u, long bytesOut) {
        return new Usage(u.cpuNanos(), u.peakMemoryBytes(), u.wallMillis(), u.bytesIn(), bytesOut, u.startedAt(), u.endedAt());
    }

    private static String text(StreamDrain.Tail tail) {
        return InvocationResult.stderrTail(tail.bytes(), tail.bytes().length);
    }

    private enum Readiness { LISTENING, EXITED, TIMED_OUT }

    /**
     * Waits until a socket of the container's network namespace listens on {@link #PORT} (the kernel's own table,
     * {@code /proc/<pid>/net/tcp} and {@code tcp6}: no probe connection reaches the function), then starts the bridge
     * and waits for its Unix socket.
     */
    private Readiness awaitListening(long deadline) {
        Backoff backoff = new Backoff(5);
        long pid = -1;
        String target = null;
        while (target == null) {
            if (!process.isAlive()) {
                return Readiness.EXITED;
            }
            if (System.nanoTime() - deadline > 0) {
                return Readiness.TIMED_OUT;
            }
            if (pid < 0 && cgroups.exists(cgroup)) {
                try {
                    pid = cgroups.namespaceInit(cgroup);
                } catch (RuntimeFailureException e) {
                    // runc is still making the container's cgroups: look again
                }
            }
            if (pid >= 0) {
                target = listening(pid);
            }
            if (target == null) {
                backoff.pause();
            }
        }
        try {
            bridge = new ProcessBuilder("nsenter", "--target", Long.toString(pid), "--net", "--", "socat",
                    "UNIX-LISTEN:" + socket + ",fork,mode=600,unlink-early", target)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot start the HTTP bridge (nsenter, socat): " + e.getMessage(), e);
        }
        Backoff waiting = new Backoff(5);
        while (!Files.exists(socket)) {
            if (!bridge.isAlive()) {
                throw new RuntimeFailureException("the HTTP bridge of " + id + " ended (is socat installed?"
                        + " scripts/setup.d/50-runc.sh)");
            }
            if (System.nanoTime() - deadline > 0) {
                return Readiness.TIMED_OUT;
            }
            waiting.pause();
        }
        client = new HttpOverSocket(socket);
        return Readiness.LISTENING;
    }

    /**
     * The bridge's target when a socket of the namespace of {@code pid} listens on {@link #PORT}, null when none listens
     * yet: IPv4 loopback for an IPv4 socket or an IPv6 one bound to an IPv4-mapped address (what a JVM makes of
     * {@code 127.0.0.1}), IPv6 loopback for any other IPv6 socket ({@code ::1}, or {@code ::}, which takes both).
     */
    static String listening(long pid) {
        Path net = Path.of("/proc", Long.toString(pid), "net");
        String v4 = "TCP4:127.0.0.1:" + PORT + ",su=nobody";
        if (listeningAddress(net.resolve("tcp")) != null) {
            return v4;
        }
        String v6 = listeningAddress(net.resolve("tcp6"));
        if (v6 == null) {
            return null;
        }
        return v6.startsWith("0000000000000000FFFF0000") ? v4 : "TCP6:[::1]:" + PORT + ",su=nobody";
    }

    /** The local address (hex, as the kernel writes it) of a socket the table lists as LISTEN ({@code 0A}) on the port. */
    static String listeningAddress(Path table) {
        String port = ":" + String.format(Locale.ROOT, "%04X", PORT);
        try {
            List<String> lines = Files.readAllLines(table, StandardCharsets.US_ASCII);
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).strip().split("\\s+");
                if (f.length > 3 && f[1].endsWith(port) && f[3].equals("0A")) {
                    return f[1].substring(0, f[1].length() - port.length());
                }
            }
        } catch (IOException e) {
            // the process is gone: not listening
        }
        return null;
    }

    @Override
    void destroy() {
        if (client != null) {
            client.close();
        }
        if (bridge != null) {
            bridge.destroyForcibly();
        }
        runtime.runc().kill(id);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // removed with its directory at the runtime's close
        }
        runtime.removeContainer(id);
    }
}
