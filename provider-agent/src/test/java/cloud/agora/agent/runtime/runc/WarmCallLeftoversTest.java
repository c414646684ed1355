package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is free in a warm container, with the real runc and kernel: whatever a call leaves
 * running is killed before its usage is read (and its CPU is that call's), and whatever it leaves
 * in {@code /tmp} is gone before the next call. The container's processes are read by the test
 * itself from the kernel ({@code cgroup.procs} of the pids hierarchy, {@code NSpid} in
 * {@code /proc}), not from the code under test.
 */
class WarmCallLeftoversTest {

    @TempDir
    Path data;
    Path bundle;
    String cgroupParent;
    RuncRuntime runtime;

    @BeforeEach
    void start() throws IOException {
        cgroupParent = "agora-test-" + UUID.randomUUID().toString().substring(0, 8);
        runtime = new RuncRuntime(RuncSettings.under(data, cgroupParent).withWarmPool(2, Duration.ofSeconds(60)),
                Clock.systemUTC());
        bundle = Files.createDirectories(data.resolve("bundle"));
    }

    @AfterEach
    void stop() {
        runtime.close();
        assertThat(runtime.containers()).isEmpty();
    }

    Workload workload(int pids) {
        return new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER, new Limits(64, 1000, pids, Duration.ofSeconds(30)));
    }

    FunctionSpec script(String body) throws IOException {
        Files.writeString(bundle.resolve("handler.sh"), body);
        return FunctionSpec.shell(bundle, "handler.sh");
    }

    static String text(InvocationResult result) {
        return new String(result.stdout(), StandardCharsets.UTF_8);
    }

    /** The host pids the kernel lists in the only container's cgroup now (v1: the pids hierarchy's). */
    List<Long> processesOfTheContainer() throws IOException {
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).hasSize(1);
        Path hierarchy = Cgroups.layout(Cgroups.DEFAULT_ROOT) == Cgroups.Layout.V2 ? Cgroups.DEFAULT_ROOT
                : Cgroups.DEFAULT_ROOT.resolve("pids");
        Path procs = hierarchy.resolve(cgroupParent).resolve(runtime.containers().get(0)).resolve("cgroup.procs");
        return Files.readAllLines(procs).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    }

    /** Asserts that the container holds exactly one process, pid 1 of its pid namespace: the executor. */
    void onlyTheExecutorIsLeft() throws IOException {
        List<Long> pids = processesOfTheContainer();
        assertThat(pids).as("processes in the container's cgroup after the call").hasSize(1);
        String nsPid = Files.readAllLines(Path.of("/proc", pids.get(0).toString(), "status")).stream()
                .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        assertThat(nsPid.strip().split("\\s+")).as("the one left is the container's pid 1").endsWith("1");
    }

    @Test
    void aBackgroundBurnerIsKilledWithTheCallAndItsCpuIsBilledToThatCall() throws IOException {
        // the call starts a CPU burner in the background and returns once the burner has visibly used 200 ms
        FunctionSpec fn = script("""
                read -r what
                if [ "$what" = burn ]; then
                  sh -c 'while :; do :; done' &
                  b=$!
                  t=0
                  while [ "$t" -lt 20 ]; do set -- $(cat /proc/$b/stat); t=$((${14} + ${15})); done
                  echo "$t"
                else
                  sleep 1; echo idle
                fi
                """);
        Workload w = workload(32);

        InvocationResult burn = runtime.invoke(w, fn, InvocationRequest.of("burn\n"));

        assertThat(burn.outcome()).isEqualTo(InvocationOutcome.OK);
        long burnerTicks = Long.parseLong(text(burn).strip());
        onlyTheExecutorIsLeft();
        // the burner's CPU seen by the function itself (clock ticks of 10 ms) is in the call's usage
        assertThat(burn.usage().cpuNanos()).isGreaterThanOrEqualTo(burnerTicks * 10_000_000L);

        // the next call on the same warm container idles for a second: a burner still alive would show there
        InvocationResult idle = runtime.invoke(w, fn, InvocationRequest.of("idle\n"));
        assertThat(idle.warm()).isTrue();
        assertThat(text(idle)).isEqualTo("idle\n");
        assertThat(idle.usage().cpuNanos()).as("CPU of a call that sleeps 1 s").isLessThan(100_000_000L);
        onlyTheExecutorIsLeft();
    }

    @Test
    void setsidDaemonsAndDoubleForkedOrphansAreKilledToo() throws IOException {
        // each daemon signs in through a file before the call returns, so all of them are running at that moment
        FunctionSpec fn = script("""
                setsid sh -c 'touch /tmp/d1; exec sleep 1000' </dev/null >/dev/null 2>&1 &
                ( ( touch /tmp/d2; exec sleep 2000 ) & )
                ( setsid sh -c '( touch /tmp/d3; exec sleep 3000 ) &' & )
                while [ ! -e /tmp/d1 ] || [ ! -e /tmp/d2 ] || [ ! -e /tmp/d3 ]; do :; done
                echo started
                """);
        Workload w = workload(32);

        InvocationResult first = runtime.invoke(w, fn, InvocationRequest.of(""));

        assertThat(text(first)).isEqualTo("started\n");
        onlyTheExecutorIsLeft();
        InvocationResult second = runtime.invoke(w, fn, InvocationRequest.of(""));
        assertThat(second.warm()).isTrue();
        assertThat(text(second)).isEqualTo("started\n");
        onlyTheExecutorIsLeft();
    }

    /**
     * A real fork bomb: a static x86-64 executable whose every process calls {@code fork()} in a loop
     * forever (a failed fork at the pids limit just returns, so the population stays at the limit and
     * races to refill every freed slot). Hand-assembled: ELF header, one loadable segment, then
     * {@code mov eax, 57 (fork); syscall; jmp back}.
     */
    static byte[] forkBombExecutable() {
        return executable(new byte[] {(byte) 0xb8, 57, 0, 0, 0, 0x0f, 0x05, (byte) 0xeb, (byte) 0xf7});
    }

    /**
     * A static x86-64 executable making one system call {@code nr(a1, a2, a3)} and exiting with 0 if
     * it succeeded, 1 if it failed: {@code mov eax/edi/esi/edx; syscall; shr rax, 63; mov edi, eax;
     * exit}.
     */
    static byte[] syscallExecutable(int nr, int a1, int a2, int a3) {
        java.nio.ByteBuffer code = java.nio.ByteBuffer.allocate(38).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        code.put((byte) 0xb8).putInt(nr).put((byte) 0xbf).putInt(a1).put((byte) 0xbe).putInt(a2).put((byte) 0xba).putInt(a3);
        code.put(new byte[] {0x0f, 0x05, 0x48, (byte) 0xc1, (byte) 0xe8, 0x3f, (byte) 0x89, (byte) 0xc7});
        code.put((byte) 0xb8).putInt(60).put(new byte[] {0x0f, 0x05});
        return executable(code.array());
    }

    static byte[] executable(byte[] code) {
        java.nio.ByteBuffer elf = java.nio.ByteBuffer.allocate(120 + code.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        elf.putShort((short) 2).putShort((short) 0x3e).putInt(1).putLong(0x400078L).putLong(64).putLong(0).putInt(0);
        elf.putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        elf.putInt(1).putInt(5).putLong(0).putLong(0x400000L).putLong(0x400000L);
        elf.putLong(120 + code.length).putLong(120 + code.length).putLong(0x1000);
        elf.put(code);
        return elf.array();
    }

    void install(String name, byte[] executable) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")), "x86-64 machine code");
        Path file = Files.write(bundle.resolve(name), executable);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aForkBombBoundedByThePidsLimitIsKilledAndTheContainerServesTheNextCall() throws IOException {
        install("forkbomb", forkBombExecutable());
        // the call starts the bomb, lets it fill the pids limit while counting (no fork of its own), and returns
        FunctionSpec fn = script("""
                read -r what
                if [ "$what" = bomb ]; then
                  /function/forkbomb &
                  i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done
                fi
                echo "$what done"
                """);
        Workload w = workload(32);

        InvocationResult first = runtime.invoke(w, fn, InvocationRequest.of("bomb\n"));

        assertThat(text(first)).isEqualTo("bomb done\n");
        onlyTheExecutorIsLeft();
        InvocationResult next = runtime.invoke(w, fn, InvocationRequest.of("calm\n"));
        assertThat(next.warm()).isTrue();
        assertThat(text(next)).isEqualTo("calm done\n");
        onlyTheExecutorIsLeft();
    }

    @Test
    void theNextCallSeesAnEmptyTmpEvenAfterChmod000AndLinksToTheHost() throws IOException {
        // host files the links point at: were the agent to follow a link while cleaning, it would delete these
        Path canaryDir = Files.createDirectories(data.resolve("canary"));
        Path canary = Files.writeString(canaryDir.resolve("file"), "host");
        FunctionSpec fn = script("""
                read -r what
                if [ "$what" = write ]; then
                  echo secret-of-the-first-call > /tmp/secret
                  mkdir -p /tmp/locked/deeper /tmp/.hidden
                  echo hidden > /tmp/locked/deeper/file
                  chmod 000 /tmp/locked/deeper /tmp/locked /tmp/secret
                  ln -s "$CANARY_DIR" /tmp/dir-link
                  ln -s "$CANARY_FILE" /tmp/file-link
                  mkfifo /tmp/fifo
                  rm /tmp/.agora-resp; mkfifo /tmp/.agora-resp
                else
                  ls -A /tmp
                  cat /tmp/secret /tmp/locked/deeper/file 2>/dev/null || echo nothing-to-read
                fi
                """);
        Workload w = workload(32);

        InvocationResult write = runtime.invoke(w, fn, new InvocationRequest(UUID.randomUUID(),
                "write\n".getBytes(StandardCharsets.UTF_8),
                Map.of("CANARY_DIR", canaryDir.toString(), "CANARY_FILE", canary.toString())));
        InvocationResult look = runtime.invoke(w, fn, InvocationRequest.of("look\n"));

        assertThat(canary).as("the host file a link pointed at").hasContent("host");
        assertThat(write.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(write.stdout()).as("a FIFO in place of the response file is read as nothing").isEmpty();
        assertThat(look.warm()).isTrue();
        assertThat(text(look)).as("/tmp of the next call: the executor's three files only")
                .isEqualTo(".agora-err\n.agora-req\n.agora-resp\nnothing-to-read\n");
    }

    @Test
    void systemVIpcObjectsOfACallDoNotReachTheNextCall() throws IOException {
        int create = 01000 | 0666; // IPC_CREAT, readable and writable by all
        install("shm-make", syscallExecutable(29, 0x4147, 4096, create)); // shmget(key, 4096, IPC_CREAT|0666)
        install("shm-find", syscallExecutable(29, 0x4147, 0, 0));         // shmget(key, 0, 0): the segment exists?
        install("msg-make", syscallExecutable(68, 0x4148, create, 0));    // msgget(key, IPC_CREAT|0666)
        install("sem-make", syscallExecutable(64, 0x4149, 1, create));    // semget(key, 1, IPC_CREAT|0666)
        FunctionSpec fn = script("""
                read -r what
                if [ "$what" = make ]; then
                  /function/shm-make; echo "shm created $?"
                  /function/shm-find; echo "shm found $?"
                  /function/msg-make; echo "queue created $?"
                  /function/sem-make; echo "semaphores created $?"
                else
                  /function/shm-find; echo "shm found $?"
                fi
                """);
        Workload w = workload(32);

        InvocationResult make = runtime.invoke(w, fn, InvocationRequest.of("make\n"));
        InvocationResult look = runtime.invoke(w, fn, InvocationRequest.of("look\n"));

        // exit 0 = the call succeeded; a segment lives while its creator runs, then is destroyed with it
        assertThat(text(make)).isEqualTo("shm created 0\nshm found 1\nqueue created 1\nsemaphores created 1\n");
        assertThat(look.warm()).isTrue();
        assertThat(text(look)).isEqualTo("shm found 1\n");
    }

    @Test
    void aTreeTooDeepToWipeCostsTheContainerButTheCallIsStillMetered() throws IOException {
        FunctionSpec fn = script("""
                read -r what
                if [ "$what" = deep ]; then
                  d=/tmp; i=0
                  while [ $i -lt 80 ]; do d=$d/d; mkdir $d; i=$((i+1)); done
                  echo secret > $d/secret
                fi
                ls -A /tmp
                """);
        Workload w = workload(32);

        InvocationResult deep = runtime.invoke(w, fn, InvocationRequest.of("deep\n"));

        assertThat(deep.outcome()).isEqualTo(InvocationOutcome.OK);
        assertThat(deep.usage().cpuNanos()).isPositive();
        assertThat(deep.usage().wallMillis()).isPositive();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).as("the container that could not be cleaned").isEmpty();
        InvocationResult next = runtime.invoke(w, fn, InvocationRequest.of("look\n"));
        assertThat(next.warm()).as("the next call goes cold").isFalse();
        assertThat(text(next)).isEqualTo(".agora-err\n.agora-req\n.agora-resp\n");
    }
}
