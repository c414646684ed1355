package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Usage;
import cloud.agora.agent.runtime.Workload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container kept alive between calls of one function. Its first process (pid 1 of its pid
 * namespace) is a small shell executor that reads framed calls from stdin and runs the function
 * once per call as a child with the call's environment, the request file on stdin and per-call
 * files as stdout and stderr. One call at a time.
 *
 * <p>Nothing is free in a warm container: when the function's process has exited, every process
 * the call left in the container's cgroup (background jobs, daemons, double forks) is killed
 * ({@link Leftovers}) <em>before</em> the call's usage is read, so their CPU until they died is
 * that call's; then {@code /tmp}, the only writable place, is emptied from the host
 * ({@link ContainerTmp}), so the next call sees none of this call's files. Per-call usage is
 * the difference of the cgroup's CPU counter and a memory peak reset before the call (the
 * executor's one fork per call is billed to the call it serves; where the kernel cannot reset
 * the peak, see {@link Cgroups.PeakWindow}, the container's lifetime peak). A container that timed out,
 * hit its memory limit, broke the executor's protocol, or whose leftovers or files could not be
 * removed is removed, never reused — the call is still metered.
 */
final class WarmContainer extends PooledContainer {

    /**
     * Announces {@code ready} once running inside the container; then, per call, a frame
     * {@code "<call tag> <env count>\n"} and env lines. An env line is {@code rNAME=value}
     * (value taken as is) or {@code eNAME=escaped} (value with newlines, CRs or backslashes, written
     * as {@code \0NNN} octal escapes and decoded with {@code printf %b}). The agent has written the
     * body to {@code /tmp/.agora-req} beforehand. The function runs in a subshell (so one call's
     * environment never leaks into the next) with {@code /tmp/.agora-req} as stdin and
     * {@code /tmp/.agora-resp} and {@code /tmp/.agora-err} as stdout and stderr, which the agent reads
     * from the host; the executor answers {@code "<call tag> <exit>\n"} with a shell builtin once the
     * subshell is gone, so at that moment any other process in the cgroup is a leftover of the call.
     * The executor's own variables are {@code AGORA_X_*}: a function's env cannot name them (the
     * {@code AGORA_} prefix is the platform's), so no env line can change the loop reading the frame.
     * {@code RUN} is how the subshell runs the function ({@link #executorCommand}).
     */
    private static final String EXECUTOR = """
            echo ready
            while IFS=' ' read -r AGORA_X_CALL AGORA_X_N; do
              (
                AGORA_X_I=0
                while [ "$AGORA_X_I" -lt "$AGORA_X_N" ]; do
                  IFS= read -r AGORA_X_KV
                  case "$AGORA_X_KV" in
                    e*) AGORA_X_KV=${AGORA_X_KV#e}; AGORA_X_V=$(printf '%bx' "${AGORA_X_KV#*=}")
                        export "${AGORA_X_KV%%=*}=${AGORA_X_V%x}" ;;
                    *) export "${AGORA_X_KV#r}" ;;
                  esac
                  AGORA_X_I=$((AGORA_X_I+1))
                done
                RUN
              )
              echo "$AGORA_X_CALL $?"
            done
            """;

    /** The subshell execs the function's command ({@code "$@"}), stdin and stdout the call's files. */
    static final String EXEC = "exec \"$@\" < /tmp/.agora-req > /tmp/.agora-resp 2> /tmp/.agora-err";
    /**
     * A shell script ({@code /bin/sh /abs/script args...}) is read by the subshell itself rather than by a new shell it
     * would exec: one {@code execve} and a shell's start less per call. The executor's {@code $0} is the script's path
     * and its positional parameters the script's arguments, as {@code sh script args} gives them; what differs is
     * {@code $$}, 1 (the executor's pid), and {@code $PPID}, 0, where a shell of its own had its own pid and 1.
     */
    static final String SOURCE = "unset AGORA_X_CALL AGORA_X_N AGORA_X_I AGORA_X_KV AGORA_X_V; "
            + "exec < /tmp/.agora-req > /tmp/.agora-resp 2> /tmp/.agora-err; . \"$0\"";

    /** The executor's script with {@code run} as the subshell's last line. */
    static String executor(String run) {
        return EXECUTOR.replace("    RUN\n", "    " + run + "\n");
    }

    /**
     * The executor's argv: {@code sh -c <executor> <$0> <$@...>}. A command {@code /bin/sh /abs/path args...} (a shell
     * script, as the shell runtime runs it) is sourced ({@link #SOURCE}, {@code $0} the script); anything else is
     * exec'd ({@link #EXEC}).
     */
    static List<String> executorCommand(List<String> command) {
        List<String> args = new ArrayList<>(List.of("/bin/sh", "-c"));
        if (command.size() >= 2 && command.get(0).equals("/bin/sh") && command.get(1).startsWith("/")) {
            args.add(executor(SOURCE));
            args.addAll(command.subList(1, command.size()));
        } else {
            args.add(executor(EXEC));
            args.add("agora-executor");
            args.addAll(command);
        }
        return args;
    }

    static final String REQUEST = ".agora-req";
    static final String RESPONSE = ".agora-resp";
    static final String ERRORS = ".agora-err";
    /** How long the agent waits for the kernel to list only the executor in the cgroup after killing leftovers. */
    static final long SETTLE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    final String id;
    final String cgroup;
    private final RuncRuntime runtime;
    private final Cgroups cgroups;
    private final Process process;
    private final OutputStream control;
    private final InputStream responses;
    private final CompletableFuture<byte[]> stderr;
    private long executorPid = -1;
    private ContainerTmp tmp;
    private Cgroups.Meter meter;
    private long calls;
    /** Where the last call's time went (ns), see {@link Stage}: read by the breakdown benchmark, costs a clock read each. */
    final long[] lastStages = new long[Stage.values().length];

    private WarmContainer(String id, String cgroup, RuncRuntime runtime, Process process, CompletableFuture<byte[]> stderr) {
        this.id = id;
        this.cgroup = cgroup;
        this.runtime = runtime;
        this.cgroups = runtime.cgroups();
        this.process = process;
        this.control = process.getOutputStream();
        this.responses = process.getInputStream();
        this.stderr = stderr;
    }

    /** The parts of a warm call, in order, as timed in {@link #lastStages}. */
    enum Stage {
        /** The request file, the CPU and OOM counters before, the memory peak reset. */
        PREPARE,
        /** The frame written to the executor until its answer arrived: the fork, the function, the exit. */
        RUN,
        /** The check for (and killing of) processes the call left. */
        LEFTOVERS,
        /** The cgroup's counters after the call. */
        METER,
        /** The response and stderr files read, /tmp emptied. */
        FILES
    }

    /** Starts the executor container for a function. */
    static WarmContainer start(RuncRuntime runtime, Workload workload, FunctionSpec function) {
        String id = runtime.newContainerId(workload.leaseId());
        List<String> args = executorCommand(function.command());
        Path bundle = runtime.writeBundle(id, function, workload, runtime.baseEnvironment(function, null), args);
        try {
            Process process = new ProcessBuilder(runtime.runc().runCommand(bundle, id)).start();
            CompletableFuture<byte[]> stderr = StreamDrain.start(process.getErrorStream(), 64 * 1024, runtime.workers());
            return new WarmContainer(id, runtime.cgroupPath(id), runtime, process, stderr);
        } catch (IOException e) {
            runtime.removeContainer(id);
            throw new RuntimeFailureException("cannot start runc: " + e.getMessage(), e);
        }
    }

    /** The host pid of the executor, once the first call has found it (-1 before). */
    long executorPid() {
        return executorPid;
    }

    /** Runs one call in this container; marks it broken when it must not be reused. */
    @Override
    InvocationResult invoke(Workload workload, InvocationRequest request, boolean reused) {
        Map<String, String> env = request.environment();
        long cpuBefore;
        long oomBefore;
        Cgroups.PeakWindow peak;
        String tag = Long.toHexString(++calls) + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        long mark = System.nanoTime();
        try {
            if (executorPid < 0) {
                awaitExecutor();
                mark = System.nanoTime();
            }
            tmp.create(REQUEST, request.body());
            cpuBefore = meter.cpuNanos();
            oomBefore = meter.oomKills();
            peak = meter.startPeakWindow();
        } catch (IOException | RuntimeFailureException e) {
            broken = true;
            throw e instanceof RuntimeFailureException r ? r
                    : new RuntimeFailureException("cannot prepare the warm container " + id + ": " + e.getMessage(), e);
        }
        try (peak) {
            Instant started = Instant.now();
            long startNanos = System.nanoTime();
            mark = stage(Stage.PREPARE, mark);
            // the answer is read on this thread (no hand-over per call); at the deadline every process of the
            // container but the executor is killed, again until the executor answers (the deadline may strike before
            // the executor has read the frame and forked), and past SETTLE_TIMEOUT_NANOS the executor too, which
            // ends its output
            CompletableFuture<Void> answered = new CompletableFuture<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            Runnable end = () -> {
                try {
                    endCall(answered);
                } finally {
                    ended.complete(null);
                }
            };
            CallDeadline deadline = new CallDeadline(runtime.deadlines(), workload.limits().timeout().toNanos(), () -> {
                try {
                    runtime.workers().execute(end);
                } catch (RejectedExecutionException e) {
                    end.run(); // the runtime is closing
                }
            });
            String line;
            boolean timedOut;
            try {
                StringBuilder header = new StringBuilder();
                header.append(tag).append(' ').append(env.size() + 1).append('\n');
                env.forEach((k, v) -> header.append(envLine(k, v)).append('\n'));
                header.append(envLine("AGORA_INVOCATION_ID", request.invocationId().toString())).append('\n');
                control.write(header.toString().getBytes(StandardCharsets.UTF_8));
                control.flush();
            } catch (IOException e) {
                deadline.inTime();
                answered.complete(null);
                broken = true;
                throw new RuntimeFailureException("the warm container " + id + " is gone", e);
            }
            try {
                line = readLine();
            } catch (IOException e) {
                line = null; // the executor's output ended: decided below from the cgroup
            } finally {
                timedOut = !deadline.inTime(); // the deadline came first: its kill is under way
                answered.complete(null);
            }
            if (timedOut) {
                awaitQuietly(ended); // one freezer user at a time: the clearing below starts once the deadline's ended
            }
            long wallMillis = (System.nanoTime() - startNanos) / 1_000_000;
            mark = stage(Stage.RUN, mark);
            Integer exit = parseExit(line, tag);
            if (timedOut || exit == null) {
                broken = true; // timed out, or the executor is dead or was written to by the function: never reused
            }
            // everything the call left behind dies before its usage is read. The executor stays when it answered the
            // call, a timed-out call's too (the deadline killed the rest; pid 1 dying would end `runc run`, which then
            // removes the cgroup the usage is read from): a container not reused loses it when it is removed
            boolean settled = Leftovers.clear(cgroups, cgroup, exit != null ? executorPid : Leftovers.NONE,
                    SETTLE_TIMEOUT_NANOS);
            if (!settled) {
                broken = true;
            }
            mark = stage(Stage.LEFTOVERS, mark);
            if (!cgroups.exists(cgroup)) {
                throw new RuntimeFailureException("the warm container " + id + " was removed during the call: " + stderrTail());
            }
            long cpu = meter.cpuNanos() - cpuBefore;
            long peakBytes = peak.bytes();
            boolean oom = meter.oomKills() > oomBefore;
            mark = stage(Stage.METER, mark);
            ContainerTmp.Content out = ContainerTmp.Content.EMPTY;
            ContainerTmp.Content err = ContainerTmp.Content.EMPTY;
            if (!timedOut && settled && exit != null) {
                try {
                    out = tmp.head(RESPONSE, runtime.settings().maxOutputBytes());
                    err = tmp.tail(ERRORS, InvocationResult.STDERR_TAIL_BYTES);
                    if (!tmp.wipe()) {
                        broken = true; // too many or too deep files: a fresh container is cheaper than deleting them
                    }
                } catch (IOException e) {
                    broken = true;
                }
            }
            stage(Stage.FILES, mark);
            InvocationOutcome outcome;
            int exitCode;
            if (timedOut) {
                outcome = InvocationOutcome.TIMEOUT;
                exitCode = 137;
                out = ContainerTmp.Content.EMPTY;
            } else if (oom) {
                outcome = InvocationOutcome.OUT_OF_MEMORY;
                exitCode = exit == null ? 137 : exit;
                broken = true;
            } else if (exit == null) {
                // the executor died or its answer was forged: something in the call did it (runc and the agent
                // do not touch a running container), so the call is metered as the function's failure
                outcome = InvocationOutcome.FUNCTION_ERROR;
                exitCode = -1;
            } else {
                exitCode = exit;
                outcome = exit == 0 ? InvocationOutcome.OK : InvocationOutcome.FUNCTION_ERROR;
            }
            String errText = stderrText(err);
            Usage usage = new Usage(cpu, peakBytes, wallMillis, request.body().length, out.bytes().length, started,
                    started.plusMillis(wallMillis));
            return new InvocationResult(outcome, exitCode, out.bytes(), errText, err.truncated(), usage, reused);
        }
    }

    private static void awaitQuietly(CompletableFuture<Void> done) {
        try {
            done.get(2 * SETTLE_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the clearing below decides
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A call's deadline passed: everything but the executor dies, again until the executor has answered ({@code
     * answered}: its subshell may not exist yet at the first round), and after {@link #SETTLE_TIMEOUT_NANOS} without
     * an answer the executor too.
     */
    private void endCall(CompletableFuture<Void> answered) {
        long until = System.nanoTime() + SETTLE_TIMEOUT_NANOS;
        try {
            while (System.nanoTime() - until < 0) {
                Leftovers.clear(cgroups, cgroup, executorPid, Math.max(until - System.nanoTime(), 0));
                try {
                    answered.get(20, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    // no answer yet: clear again
                } catch (ExecutionException e) {
                    return;
                }
            }
            if (Arrays.stream(cgroups.processes(cgroup)).anyMatch(p -> p == executorPid)) {
                ProcessHandle.of(executorPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (RuntimeFailureException e) {
            // the cgroup is unreadable: the container is going, its executor with it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long stage(Stage stage, long since) {
        long now = System.nanoTime();
        lastStages[stage.ordinal()] = now - since;
        return now;
    }

    /** Kills and removes the container. */
    @Override
    void destroy() {
        try {
            control.close();
        } catch (IOException e) {
            // already closed
        }
        if (meter != null) {
            meter.close();
        }
        runtime.runc().kill(id); // runc 1.1 freezes the cgroup, kills every process, thaws
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtime.removeContainer(id);
    }

    /**
     * Waits for the executor's {@code ready} (it runs inside the container: {@code /proc/<pid>/root}
     * is the container's root from then on, not the host's) and finds its host pid.
     */
    private void awaitExecutor() {
        Future<String> ready = runtime.workers().submit(this::readLine);
        String line;
        try {
            line = ready.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            ready.cancel(true);
            throw new RuntimeFailureException("the warm container " + id + " did not start: " + stderrTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailureException("interrupted", e);
        }
        if (!"ready".equals(line)) {
            throw new RuntimeFailureException("the warm container " + id + " did not start: " + stderrTail());
        }
        long pid = cgroups.namespaceInit(cgroup);
        if (pid < 0) {
            throw new RuntimeFailureException("the executor of " + id + " is not in its cgroup");
        }
        executorPid = pid;
        tmp = new ContainerTmp(pid);
        meter = cgroups.meter(cgroup);
    }

    private static Integer parseExit(String line, String tag) {
        if (line == null || !line.startsWith(tag + " ")) {
            return null;
        }
        try {
            return Integer.parseInt(line.substring(tag.length() + 1).strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String stderrText(ContainerTmp.Content err) {
        byte[] bytes = err.bytes();
        int from = 0;
        if (err.truncated()) {
            while (from < Math.min(3, bytes.length) && (bytes[from] & 0xC0) == 0x80) {
                from++; // a character cut by the window is dropped, not shown as a replacement character
            }
        }
        return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    }

    private String stderrTail() {
        return stderr.isDone() ? RuncRuntime.tail(stderr.getNow(new byte[0])) : "";
    }

    /** One line of the executor's output (without the newline); at most 256 bytes are taken as an answer. */
    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = responses.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the executor closed its output");
            }
            if (line.size() > 256) {
                throw new IOException("the executor's answer is not one");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** One env line of a frame: raw when the value is one plain line, else octal-escaped. */
    static String envLine(String name, String value) {
        boolean plain = value.indexOf('\n') < 0 && value.indexOf('\r') < 0 && value.indexOf('\\') < 0;
        if (plain) {
            return "r" + name + "=" + value;
        }
        StringBuilder escaped = new StringBuilder(value.length() + 16).append('e').append(name).append('=');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> escaped.append("\\0012");
                case '\r' -> escaped.append("\\0015");
                case '\\' -> escaped.append("\\0134");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

}
