package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationOutcome;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container kept alive between calls of one function. Its first process is a small shell
 * executor that reads framed calls from stdin and runs the function once per call as a child
 * with the call's body on stdin and environment, writing {@code "<exit> <length>\n"} and the
 * response back. One call at a time; per-call usage is the difference of the cgroup's CPU
 * counter and a peak reset before the call (the executor's own few forks are billed to the
 * call they serve). A container that timed out or hit its memory limit is removed, never reused.
 */
final class WarmContainer {

    /**
     * Frame: {@code "<env count> <body length>\n"}, then env lines, then the body. An env line is
     * {@code rNAME=value} (value taken as is) or {@code eNAME=escaped} (value with newlines, CRs or
     * backslashes, written as {@code \0NNN} octal escapes and decoded with {@code printf %b}). The
     * function runs in a subshell so one call's environment never leaks into the next; its stderr
     * goes to a per-call file whose size and last 64 KiB follow the response:
     * {@code "<exit> <stdout length> <stderr length>\n"}, stdout, stderr tail.
     */
    static final String EXECUTOR = """
            while IFS=' ' read -r n len; do
              (
                i=0
                while [ "$i" -lt "$n" ]; do
                  IFS= read -r kv
                  case "$kv" in
                    e*) kv=${kv#e}; v=$(printf '%bx' "${kv#*=}"); export "${kv%%=*}=${v%x}" ;;
                    *) export "${kv#r}" ;;
                  esac
                  i=$((i+1))
                done
                if [ "$len" -gt 0 ]; then dd bs="$len" count=1 iflag=fullblock of=/tmp/.agora-req 2>/dev/null; else : > /tmp/.agora-req; fi
                "$@" < /tmp/.agora-req > /tmp/.agora-resp 2> /tmp/.agora-err
                rc=$?
                echo "$rc $(wc -c < /tmp/.agora-resp) $(wc -c < /tmp/.agora-err)"
                cat /tmp/.agora-resp
                tail -c 65536 /tmp/.agora-err
                rm -f /tmp/.agora-req /tmp/.agora-resp /tmp/.agora-err
              )
            done
            """;

    final String id;
    final String cgroup;
    private final RuncRuntime runtime;
    private final Process process;
    private final OutputStream control;
    private final InputStream responses;
    private final CompletableFuture<byte[]> stderr;
    Instant idleSince;
    boolean broken;

    private WarmContainer(String id, String cgroup, RuncRuntime runtime, Process process, CompletableFuture<byte[]> stderr) {
        this.id = id;
        this.cgroup = cgroup;
        this.runtime = runtime;
        this.process = process;
        this.control = process.getOutputStream();
        this.responses = process.getInputStream();
        this.stderr = stderr;
    }

    /** Starts the executor container for a function. */
    static WarmContainer start(RuncRuntime runtime, Workload workload, FunctionSpec function) {
        String id = runtime.newContainerId(workload.leaseId());
        List<String> args = new ArrayList<>(List.of("/bin/sh", "-c", EXECUTOR, "agora-executor"));
        args.addAll(function.command());
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

    /** Runs one call in this container; marks it broken when it must not be reused. */
    InvocationResult invoke(Workload workload, InvocationRequest request, boolean reused) {
        Map<String, String> env = request.environment();
        long cpuBefore;
        long oomBefore;
        try {
            waitForCgroup();
            Cgroups.resetPeakMemory(cgroup);
            cpuBefore = Cgroups.cpuNanos(cgroup);
            oomBefore = Cgroups.oomKills(cgroup);
        } catch (RuntimeFailureException e) {
            broken = true;
            throw e;
        }
        Instant started = Instant.now();
        long startNanos = System.nanoTime();
        Future<Frame> reply = runtime.workers().submit(this::readFrame);
        try {
            StringBuilder header = new StringBuilder();
            header.append(env.size() + 1).append(' ').append(request.body().length).append('\n');
            env.forEach((k, v) -> header.append(envLine(k, v)).append('\n'));
            header.append(envLine("AGORA_INVOCATION_ID", request.invocationId().toString())).append('\n');
            control.write(header.toString().getBytes(StandardCharsets.UTF_8));
            control.write(request.body());
            control.flush();
        } catch (IOException e) {
            broken = true;
            reply.cancel(true);
            throw new RuntimeFailureException("the warm container " + id + " is gone", e);
        }
        Frame frame = null;
        boolean timedOut = false;
        try {
            frame = reply.get(workload.limits().timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            timedOut = true;
            reply.cancel(true);
        } catch (ExecutionException e) {
            frame = null; // executor died (killed at the memory limit): decided below from the cgroup
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broken = true;
            throw new RuntimeFailureException("interrupted", e);
        }
        long wallMillis = (System.nanoTime() - startNanos) / 1_000_000;
        long cpu = Cgroups.cpuNanos(cgroup) - cpuBefore;
        long peak = Cgroups.peakMemoryBytes(cgroup);
        boolean oom = Cgroups.oomKills(cgroup) > oomBefore;
        InvocationOutcome outcome;
        int exit;
        byte[] out;
        String err = frame == null ? "" : InvocationResult.stderrTail(frame.stderr, frame.stderr.length);
        boolean errTruncated = frame != null && frame.stderrLength > frame.stderr.length;
        if (timedOut) {
            outcome = InvocationOutcome.TIMEOUT;
            exit = 137;
            out = new byte[0];
        } else if (oom) {
            outcome = InvocationOutcome.OUT_OF_MEMORY;
            exit = frame == null ? 137 : frame.exit;
            out = frame == null ? new byte[0] : frame.body;
        } else if (frame == null) {
            broken = true;
            throw new RuntimeFailureException("the warm container " + id + " stopped unexpectedly: " + stderrTail());
        } else {
            exit = frame.exit;
            out = frame.body;
            outcome = exit == 0 ? InvocationOutcome.OK : InvocationOutcome.FUNCTION_ERROR;
        }
        if (outcome == InvocationOutcome.TIMEOUT || outcome == InvocationOutcome.OUT_OF_MEMORY) {
            broken = true;
        }
        Usage usage = new Usage(cpu, peak, wallMillis, request.body().length, out.length, started, started.plusMillis(wallMillis));
        return new InvocationResult(outcome, exit, out, err, errTruncated, usage, reused);
    }

    /** Kills and removes the container. */
    void destroy() {
        try {
            control.close();
        } catch (IOException e) {
            // already closed
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

    private void waitForCgroup() {
        // runc creates the cgroup before the executor runs; a fresh container may still be starting
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!java.nio.file.Files.exists(Cgroups.ROOT.resolve("cpuacct" + cgroup).resolve("cpuacct.usage"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new RuntimeFailureException("the warm container " + id + " did not start: " + stderrTail());
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeFailureException("interrupted", e);
            }
        }
    }

    private String stderrTail() {
        return stderr.isDone() ? RuncRuntime.tail(stderr.getNow(new byte[0])) : "";
    }

    private Frame readFrame() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = responses.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the executor closed its output");
            }
            line.write(b);
        }
        String[] parts = line.toString(StandardCharsets.US_ASCII).trim().split("\\s+");
        int exit = Integer.parseInt(parts[0]);
        long length = Long.parseLong(parts[1]);
        int max = runtime.settings().maxOutputBytes();
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.min(length, max));
        byte[] buffer = new byte[16 * 1024];
        long remaining = length;
        while (remaining > 0) {
            int n = responses.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException("the executor closed its output mid-response");
            }
            int room = max - body.size();
            if (room > 0) {
                body.write(buffer, 0, Math.min(room, n));
            }
            remaining -= n;
        }
        long stderrLength = parts.length > 2 ? Long.parseLong(parts[2]) : 0;
        byte[] stderr = responses.readNBytes((int) Math.min(stderrLength, InvocationResult.STDERR_TAIL_BYTES));
        return new Frame(exit, body.toByteArray(), stderr, stderrLength);
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

    private record Frame(int exit, byte[] body, byte[] stderr, long stderrLength) {
    }
}
