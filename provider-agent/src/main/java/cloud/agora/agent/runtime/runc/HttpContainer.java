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
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A container whose function is a long-running HTTP server (HTTP mode). The server is the container's own process,
 * started with {@code PORT} in its environment, and must listen on that TCP port (on {@code 127.0.0.1}, {@code ::1} or
 * any address: the container's network namespace has only its loopback). A cold start is "start the server, wait
 * until the kernel lists a socket listening on the port"; then each call is one HTTP/1.1 exchange, one call at a
 * time, so the call's CPU and peak memory are exactly the container cgroup's counters before and after it.
 *
 * <p>The agent reaches the port with a TCP socket it creates inside the container's network namespace
 * ({@link NetworkNamespaces}) and connects to the namespace's loopback: no relay process, no hop. It keeps one
 * connection per container ({@link HttpOverSocket}) and exchanges calls on the calling thread, with the call's deadline
 * closing the connection. Nothing of the host is visible to the container, and the container gets no route out.
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
    private final NetworkNamespaces namespaces;
    private final Instant createdAt;
    private final long createdNanos;
    private HttpOverSocket client;
    private Cgroups.Meter meter;

    private HttpContainer(String id, RuncRuntime runtime, Process process, OutputLog log, Instant createdAt,
            long createdNanos) {
        this.id = id;
        this.cgroup = runtime.cgroupPath(id);
        this.runtime = runtime;
        this.cgroups = runtime.cgroups();
        this.process = process;
        this.log = log;
        this.namespaces = runtime.networkNamespaces();
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
            return new HttpContainer(id, runtime, process, log, createdAt, createdNanos);
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
            cpuBefore = meter.cpuNanos();
            oomBefore = meter.oomKills();
            window = meter.startPeakWindow();
        }
        HttpOverSocket connection = client;
        try { // the peak window is closed whatever happens, a deadline the closing runtime refuses included
            // the exchange blocks this thread; at the deadline the timer ends it by closing the connection for good (the
            // container is then not reused)
            CallDeadline deadline = new CallDeadline(runtime.deadlines(), startNanos + timeoutNanos - System.nanoTime(),
                    connection::abort);
            HttpOverSocket.Response response = null;
            IOException failure = null;
            boolean inTime;
            try {
                response = connection.exchange(request, runtime.settings().maxOutputBytes());
            } catch (IOException e) {
                failure = e;
            } finally {
                inTime = deadline.inTime();
            }
            if (!inTime) { // the deadline closed the connection, or the answer came as it struck: late either way
                broken = true;
                runtime.runc().kill(id);
                return ended(InvocationOutcome.TIMEOUT, request, started, startNanos, mark, cpuBefore, oomBefore, window,
                        reused);
            }
            if (failure != null) {
                // the server closed the connection, died, or broke HTTP: the call failed in the function
                broken = true;
                InvocationResult result = ended(InvocationOutcome.FUNCTION_ERROR, request, started, startNanos, mark,
                        cpuBefore, oomBefore, window, reused);
                String why = "agora: the function's HTTP answer failed: " + failure.getMessage() + "\n";
                return new InvocationResult(result.outcome(), result.exitCode(), result.stdout(), result.stderr() + why,
                        result.stderrTruncated(), result.usage(), reused);
            }
            if (!response.keepAlive()) {
                connection.close(); // reconnects on the next call
            }
            InvocationResult result = ended(InvocationOutcome.OK, request, started, startNanos, mark, cpuBefore,
                    oomBefore, window, reused);
            if (result.outcome() != InvocationOutcome.OK) {
                return result;
            }
            return new InvocationResult(InvocationOutcome.OK, 0, response.body(), result.stderr(),
                    result.stderrTruncated(), withBytesOut(result.usage(), response.body().length), reused,
                    response.status(), response.headers());
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
        long cpu;
        long peak;
        boolean oom;
        try { // a removed cgroup's files fail to read, kept open or not: no look at its directory per call
            if (meter == null) { // a cold start that never listened: its only reading
                meter = cgroups.meter(cgroup);
            }
            cpu = meter.cpuNanos() - cpuBefore;
            peak = window == null ? cgroups.peakMemoryBytes(cgroup) : window.bytes();
            oom = meter.oomKills() > oomBefore;
        } catch (RuntimeFailureException e) {
            broken = true;
            if (!cgroups.exists(cgroup)) {
                throw new RuntimeFailureException("the container " + id + " did not start or was removed: "
                        + text(log.since(0)).strip());
            }
            throw e;
        }
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
     * {@code /proc/<pid>/net/tcp} and {@code tcp6}: no probe connection reaches the function); the first exchange then
     * connects to it from inside that namespace ({@link NetworkNamespaces}).
     */
    private Readiness awaitListening(long deadline) {
        Backoff backoff = new Backoff(5);
        long pid = -1;
        ProtocolFamily family = null;
        while (family == null) {
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
                family = listening(pid);
            }
            if (family == null) {
                backoff.pause();
            }
        }
        long init = pid;
        ProtocolFamily listener = family;
        client = new HttpOverSocket(() -> namespaces.connect(init, listener, PORT));
        meter = cgroups.meter(cgroup);
        return Readiness.LISTENING;
    }

    /**
     * How to reach a socket of the namespace of {@code pid} listening on {@link #PORT}, null when none listens yet:
     * IPv4 loopback for an IPv4 socket or an IPv6 one bound to an IPv4-mapped address (what a JVM makes of
     * {@code 127.0.0.1}), IPv6 loopback for any other IPv6 socket ({@code ::1}, or {@code ::}, which takes both).
     */
    static ProtocolFamily listening(long pid) {
        Path net = Path.of("/proc", Long.toString(pid), "net");
        if (listeningAddress(net.resolve("tcp")) != null) {
            return StandardProtocolFamily.INET;
        }
        String v6 = listeningAddress(net.resolve("tcp6"));
        if (v6 == null) {
            return null;
        }
        return v6.startsWith("0000000000000000FFFF0000") ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
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
        if (meter != null) {
            meter.close();
        }
        runtime.runc().kill(id);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtime.removeContainer(id);
    }
}
