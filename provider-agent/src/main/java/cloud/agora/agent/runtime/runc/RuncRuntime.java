package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.LeaseUids;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.runtime.Usage;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The {@code runc} driver: every call runs in an OCI container started with Debian's runc,
 * either a fresh one (cold: create, start, exit, meter, delete) or an idle one kept from an
 * earlier call of the same function (warm, see {@link WarmPool}).
 *
 * <p>Containers are named {@code <prefix>-<lease id>-<nonce>} under this agent's own runc
 * state root, each in its own cgroup {@code /<parent>/<container id>}, so that the agent can
 * find, adopt or remove exactly its own containers after a restart. Nothing is left behind
 * after a call: the container, its bundle directory and its cgroups are removed.
 */
public final class RuncRuntime implements WorkloadRuntime {

    private static final Logger LOG = Logger.getLogger(RuncRuntime.class);

    private final RuncSettings settings;
    private final Runc runc;
    private final RootFilesystems rootFilesystems;
    private final WarmPool warmPool;
    private final Cgroups cgroups;
    private final LeaseUids uids = new LeaseUids();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runc-io");
        t.setDaemon(true);
        return t;
    });
    /**
     * Removals of containers whose call has been answered (a cold call's container, a warm pool's surplus or broken
     * one): {@code runc kill} and {@code runc delete} are two runc processes, ~25 ms, which the caller does not wait
     * for. One thread; past {@link #MAX_PENDING_REMOVALS} waiting, the caller removes its own (so that containers
     * cannot pile up faster than they are removed).
     */
    private final ExecutorService removals = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "runc-removals");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicInteger pendingRemovals = new java.util.concurrent.atomic.AtomicInteger();
    static final int MAX_PENDING_REMOVALS = 8;
    /** Deadlines of calls that block on their own thread (an HTTP-mode exchange): one thread for all. */
    private final CallDeadline.Wheel timers = new CallDeadline.Wheel();
    private final Clock clock;
    private NetworkNamespaces networkNamespaces;

    public RuncRuntime(RuncSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.cgroups = Cgroups.open(Cgroups.DEFAULT_ROOT);
        LOG.infof("containers' cgroups: %s at %s", cgroups.layout().description, cgroups.root);
        this.runc = new Runc(settings.runcBinary(), settings.stateRoot());
        this.rootFilesystems = new RootFilesystems(settings.runtimesDir());
        this.warmPool = new WarmPool(this, settings.warmMaxIdle(), settings.warmIdleTimeout(), clock);
        try {
            Files.createDirectories(settings.stateRoot());
            Files.createDirectories(settings.workDir());
            Files.createDirectories(settings.runtimesDir());
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot create the runc driver's directories", e);
        }
        removeOrphans();
    }

    /**
     * Removes containers left under this agent's state root by an earlier run: their stdio
     * died with that process, so nobody can use or meter them. The leases they served are
     * adopted again by reconciliation, which re-prepares the active ones.
     */
    private void removeOrphans() {
        for (String id : runc.list()) {
            if (leaseOf(id) != null) {
                LOG.infof("removing container %s left by an earlier run", id);
                removeContainer(id);
            }
        }
    }

    /**
     * Why the runc driver cannot run on this host (runc does not run, or the cgroups lack what
     * the limits, the meter and the freezer need, each file or controller named); empty when it can.
     */
    public static Optional<String> unusable(String runcBinary) {
        return unusable(runcBinary, Cgroups.DEFAULT_ROOT);
    }

    static Optional<String> unusable(String runcBinary, Path cgroupRoot) {
        List<String> reasons = new ArrayList<>();
        if (new Runc(runcBinary, Path.of("/run/runc")).version() == null) {
            reasons.add("runc (" + runcBinary + ") does not run: install it with scripts/setup.d/50-runc.sh");
        }
        Cgroups.unusable(cgroupRoot).ifPresent(reasons::add);
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
    }

    /** The runtimes (root filesystems) this host can offer. */
    public List<String> runtimes() {
        List<String> names = new ArrayList<>(rootFilesystems.available());
        names.add(cloud.agora.agent.runtime.FunctionSpec.IMAGE); // the function's own image: needs only runc and the bridge
        return names;
    }

    /**
     * Checks, or builds, the {@code jvm} runtime's image on a thread of its own, so that the first Java call does not
     * wait for it (a first build takes seconds); without it the image is made on the first Java call.
     */
    public void prepareRuntimesInBackground() {
        rootFilesystems.prepareInBackground();
    }

    @Override
    public String driver() {
        return "runc";
    }

    @Override
    public void prepare(Workload workload) {
        // containers are cheap to create (bundle ~1 ms, start ~50 ms): nothing to pre-build per lease but the rootfs
        rootFilesystems.rootfs(RootFilesystems.SHELL);
    }

    @Override
    public InvocationResult invoke(Workload workload, FunctionSpec function, InvocationRequest request) {
        if (settings.warmMaxIdle() > 0) {
            return warmPool.invoke(workload, function, request);
        }
        return invokeCold(workload, function, request);
    }

    /** Runs one call in a fresh container that is removed afterwards. */
    public InvocationResult invokeCold(Workload workload, FunctionSpec function, InvocationRequest request) {
        String id = newContainerId(workload.leaseId());
        String cgroup = cgroupPath(id);
        Path bundle = writeBundle(id, function, workload, baseEnvironment(function, request), function.command());
        Instant started = clock.instant();
        long startNanos = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(runc.runCommand(bundle, id)).start();
        } catch (IOException e) {
            removeContainer(id);
            throw new RuntimeFailureException("cannot start runc: " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> stdout = StreamDrain.start(process.getInputStream(), settings.maxOutputBytes(), workers);
        CompletableFuture<StreamDrain.Tail> stderr = StreamDrain.tail(process.getErrorStream(),
                InvocationResult.STDERR_TAIL_BYTES, workers);
        feed(process.getOutputStream(), request.body());
        try {
            boolean timedOut = false;
            if (!process.waitFor(workload.limits().timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                runc.kill(id);
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            long wallMillis = (System.nanoTime() - startNanos) / 1_000_000;
            int exit = process.exitValue();
            byte[] out = stdout.get(10, TimeUnit.SECONDS);
            StreamDrain.Tail errTail = stderr.get(10, TimeUnit.SECONDS);
            String err = InvocationResult.stderrTail(errTail.bytes(), errTail.bytes().length);
            if (!cgroups.exists(cgroup) || !runc.exists(id)) { // a file check: no runc process
                throw new RuntimeFailureException("the container did not start: " + err.strip());
            }
            long cpu = cgroups.cpuNanos(cgroup);
            long peak = cgroups.peakMemoryBytes(cgroup);
            long oomKills = cgroups.oomKills(cgroup);
            InvocationOutcome outcome = timedOut ? InvocationOutcome.TIMEOUT
                    : oomKills > 0 ? InvocationOutcome.OUT_OF_MEMORY
                    : exit == 0 ? InvocationOutcome.OK : InvocationOutcome.FUNCTION_ERROR;
            Usage usage = new Usage(cpu, peak, wallMillis, request.body().length, out.length, started,
                    started.plusMillis(wallMillis));
            return new InvocationResult(outcome, exit, out, err, errTail.truncated(), usage, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailureException("interrupted while running " + id, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new RuntimeFailureException("cannot read the output of " + id, e);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            removeLater(() -> removeContainer(id));
        }
    }

    @Override
    public void remove(UUID leaseId) {
        warmPool.removeLease(leaseId);
        for (String id : runc.list()) {
            if (leaseOf(id) != null && leaseOf(id).equals(leaseId)) {
                removeContainer(id);
            }
        }
        uids.release(leaseId);
    }

    @Override
    public Set<UUID> leasesPresent() {
        Set<UUID> leases = new HashSet<>();
        for (String id : runc.list()) {
            UUID lease = leaseOf(id);
            if (lease != null) {
                leases.add(lease);
            }
        }
        return leases;
    }

    /** The ids of this agent's containers that exist now (for tests and the workloads view). */
    public List<String> containers() {
        return runc.list().stream().filter(id -> leaseOf(id) != null).toList();
    }

    /** Removes warm containers idle for longer than the configured time; returns how many. */
    public int evictIdle() {
        return warmPool.evictIdle();
    }

    /** How many warm containers are idle now. */
    public int idleWarmContainers() {
        return warmPool.idleCount();
    }

    @Override
    public void close() {
        rootFilesystems.close();
        warmPool.close();
        awaitRemovals();
        removals.shutdown();
        for (String id : runc.list()) {
            if (leaseOf(id) != null) {
                removeContainer(id);
            }
        }
        cgroups.removeQuietly("/" + settings.cgroupParent());
        synchronized (this) {
            if (networkNamespaces != null) {
                networkNamespaces.close();
            }
        }
        timers.close(); // first: a deadline striking meanwhile may still hand its ending to the workers
        workers.shutdownNow();
    }

    // ---- shared with WarmPool ----

    /** Runs a removal after the caller has answered: on the removals' thread, or now if too many are waiting. */
    void removeLater(Runnable removal) {
        if (pendingRemovals.incrementAndGet() > MAX_PENDING_REMOVALS) {
            try {
                removal.run();
            } finally {
                pendingRemovals.decrementAndGet();
            }
            return;
        }
        try {
            removals.execute(() -> {
                try {
                    removal.run();
                } catch (RuntimeException e) {
                    LOG.warnf("cannot remove a container: %s", e.getMessage());
                } finally {
                    pendingRemovals.decrementAndGet();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) { // closing: remove it here
            pendingRemovals.decrementAndGet();
            removal.run();
        }
    }

    /** Waits until every removal handed to {@link #removeLater} before this call has finished. */
    void awaitRemovals() {
        try {
            removals.submit(() -> { }).get();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing waits there any more
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    String newContainerId(UUID leaseId) {
        return settings.containerPrefix() + "-" + leaseId + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    }

    String cgroupPath(String containerId) {
        return "/" + settings.cgroupParent() + "/" + containerId;
    }

    Runc runc() {
        return runc;
    }

    /** Connections into containers' network namespaces (HTTP mode), made on first use. */
    synchronized NetworkNamespaces networkNamespaces() {
        if (networkNamespaces == null) {
            networkNamespaces = new NetworkNamespaces();
        }
        return networkNamespaces;
    }

    Cgroups cgroups() {
        return cgroups;
    }

    /** The calls' deadlines (cancelled when a call ends first). */
    CallDeadline.Wheel deadlines() {
        return timers;
    }

    ExecutorService workers() {
        return workers;
    }

    RuncSettings settings() {
        return settings;
    }

    Path writeBundle(String id, FunctionSpec function, Workload workload, Map<String, String> env, List<String> args) {
        Path bundle = settings.workDir().resolve(id);
        try {
            Files.createDirectories(bundle);
            boolean image = function.rootfs() != null;
            Path rootfs = image ? function.rootfs() : rootFilesystems.rootfs(function.runtime());
            int uid = uids.of(workload.leaseId());
            Files.writeString(bundle.resolve("passwd"), RootFilesystems.passwd(uid));
            Files.writeString(bundle.resolve("group"), RootFilesystems.group(uid));
            String spec = OciSpec.render(rootfs, image ? null : function.bundleDir().toAbsolutePath(), args, env,
                    workload.limits(), cgroupPath(id), settings.tmpSizeMiB(),
                    image || RootFilesystems.JVM.equals(function.runtime()), uid, bundle.toAbsolutePath(),
                    function.workingDir() == null ? "/tmp" : function.workingDir());
            Files.writeString(bundle.resolve("config.json"), spec);
            return bundle;
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot write the bundle of " + id, e);
        }
    }

    Map<String, String> baseEnvironment(FunctionSpec function, InvocationRequest request) {
        Map<String, String> env = new LinkedHashMap<>();
        if (function.rootfs() == null) {
            env.put("PATH", String.join(":", rootFilesystems.path(function.runtime())));
        } // an image's PATH is in its own environment (FunctionSpec.env)
        env.put("HOME", "/tmp");
        if (RootFilesystems.JVM.equals(function.runtime())) {
            env.put("JAVA_HOME", JvmImage.JAVA_HOME);
        }
        if (request != null) {
            env.putAll(request.environment());
            env.put("AGORA_INVOCATION_ID", request.invocationId().toString());
        }
        return env;
    }

    /** Removes a container, its bundle and its cgroups; logs instead of failing (cleanup must go on). */
    void removeContainer(String id) {
        try {
            runc.delete(id);
        } catch (RuntimeFailureException e) {
            LOG.warnf("cannot delete container %s: %s", id, e.getMessage());
        }
        cgroups.removeQuietly(cgroupPath(id));
        deleteTree(settings.workDir().resolve(id));
    }

    UUID leaseOf(String containerId) {
        String prefix = settings.containerPrefix() + "-";
        if (!containerId.startsWith(prefix) || containerId.length() < prefix.length() + 36) {
            return null;
        }
        try {
            return UUID.fromString(containerId.substring(prefix.length(), prefix.length() + 36));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    void feed(OutputStream stdin, byte[] body) {
        workers.execute(() -> {
            try (stdin) {
                stdin.write(body);
            } catch (IOException e) {
                // the function did not read all its input: that is its business
            }
        });
    }

    static String tail(byte[] bytes) {
        return InvocationResult.stderrTail(bytes, bytes.length);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.toList());
            all.sort(Comparator.reverseOrder());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", dir, e.getMessage());
        }
    }
}
