import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Warm invocation latency and throughput of one function several ways, one client for all: through the
 * functions gateway (/fn/NAME/), straight to the agent's POST /api/v1/invocations (exec mode, target agent: a warm container, one
 * fork per call; HTTP mode, target agent-http: a JDK HttpServer kept in its warm container), OpenFaaS's of-watchdog
 * as a peer (streaming mode: one fork per call; http mode: a long-lived upstream), and the handler script run
 * directly with /bin/sh (no container). Run with `java GatewayBench.java` (JDK 17 single-file launch, with the
 * protocol module and its dependencies on the class path: the agent target signs each call's grant with the gateway
 * key); settings from the environment, see gateway-bench.sh and agent-bench.sh.
 */
public class GatewayBench {

    static final String GATEWAY = env("BENCH_GATEWAY_URL", "http://localhost:8080");
    /** A second gateway of the same platform, e.g. one built or configured otherwise (target gateway-b). */
    static final String GATEWAY_B = env("BENCH_GATEWAY_B_URL", "");
    static final String AGENT = env("BENCH_AGENT_URL", "http://localhost:8090");
    /**
     * A second agent, e.g. another build (targets agent-b, agent-http-b, with BENCH_JIT_QUIET_PID_B its pid): the two
     * builds take turns in one run, as the peers do.
     */
    static final String AGENT_B = env("BENCH_AGENT_B_URL", "");
    static final long JIT_QUIET_PID_B = Long.parseLong(env("BENCH_JIT_QUIET_PID_B", "0"));
    /** The gateway's key file: the agent runs a call only with a grant signed by a gateway key it trusts. */
    static final String GATEWAY_KEY_FILE = env("BENCH_GATEWAY_KEY_FILE", "");
    static final String PROVIDER = env("BENCH_PROVIDER", "");
    static final String CONSUMER = env("BENCH_CONSUMER", "");
    static final String FUNCTION = env("BENCH_FUNCTION", "bench");
    static final String LEASE = env("BENCH_LEASE_ID", "");
    static final String BUNDLE = env("BENCH_BUNDLE_CID", "");
    static final String SCRIPT = env("BENCH_SCRIPT", "");
    static final int REQUESTS = Integer.parseInt(env("BENCH_REQUESTS", "2000"));
    static final int WARMUP = Integer.parseInt(env("BENCH_WARMUP", "200"));
    /**
     * A target's first warm-up also lasts at least this many seconds: a JVM under test (an agent, a gateway) compiles
     * its hot paths with C2 for 40-50 s of load on this machine, and a turn measured meanwhile pays for the compiler.
     */
    static final int WARMUP_SECONDS = Integer.parseInt(env("BENCH_WARMUP_SECONDS", "0"));
    /**
     * The agent's pid: after its warm-up seconds, an agent target keeps warming up in 5 s slices until the agent's JIT
     * compiler threads used less than 1 % of a core in the last slice (at most 300 s): 45 s were not always enough
     * (C2 still at ~20 % of the machine 75 s into a run), and a Go peer has no compiler to wait for.
     */
    static final long JIT_QUIET_PID = Long.parseLong(env("BENCH_JIT_QUIET_PID", "0"));
    static final java.util.Set<Call> WARMED = new java.util.HashSet<>();
    static final int[] CONCURRENCY = Arrays.stream(env("BENCH_CONCURRENCY", "1,8,32").split(",")).mapToInt(Integer::parseInt)
            .toArray();
    static final java.util.Set<String> TARGETS = java.util.Set.of(env("BENCH_TARGETS", "gateway,agent,script").split(","));
    /** of-watchdog in streaming mode (forks the script per call), e.g. http://127.0.0.1:18181/ (target watchdog-streaming). */
    static final String PEER_STREAMING = env("BENCH_PEER_STREAMING_URL", "");
    /** of-watchdog in http mode (proxies to a long-lived upstream answering "hello " + body) (target watchdog-http). */
    static final String PEER_HTTP = env("BENCH_PEER_HTTP_URL", "");
    /**
     * of-watchdog in http mode whose upstream is this directory's Server.java under the same JVM flags as the agent's
     * HTTP-mode container (target watchdog-http-java): the same handler program on both sides.
     */
    static final String PEER_HTTP_JAVA = env("BENCH_PEER_HTTP_JAVA_URL", "");
    /** Each target's turn lasts this many seconds per round (0: count-based turns of BENCH_REQUESTS / BENCH_ROUNDS calls). */
    static final int TURN_SECONDS = Integer.parseInt(env("BENCH_TURN_SECONDS", "0"));
    /** The target the others' calls/s and p50 are compared with (when it ran). */
    static final String REFERENCE = env("BENCH_REFERENCE", "watchdog-streaming");
    /** What every correct answer of the benchmark function holds (the agent's body is base64 in its JSON reply). */
    static final String EXPECTED = "hello bench";
    static final String EXPECTED_BASE64 = java.util.Base64.getEncoder().encodeToString(EXPECTED.getBytes());
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Each target's calls are split into this many rounds, run in turn, so drift of the machine falls on all alike. */
    static final int ROUNDS = Integer.parseInt(env("BENCH_ROUNDS", "10"));

    public static void main(String[] args) throws Exception {
        java.util.Map<String, Call> targets = new java.util.LinkedHashMap<>();
        if (TARGETS.contains("gateway")) {
            targets.put("gateway", prepared -> viaGateway(GATEWAY));
        }
        if (!GATEWAY_B.isEmpty() && TARGETS.contains("gateway-b")) {
            targets.put("gateway-b", prepared -> viaGateway(GATEWAY_B));
        }
        if (!LEASE.isEmpty() && TARGETS.contains("agent")) {
            targets.put("agent", new AgentTarget(false));
        }
        if (!LEASE.isEmpty() && TARGETS.contains("agent-http")) {
            targets.put("agent-http", new AgentTarget(true));
        }
        if (!LEASE.isEmpty() && !AGENT_B.isEmpty() && TARGETS.contains("agent-b")) {
            targets.put("agent-b", new AgentTarget(false, AGENT_B, JIT_QUIET_PID_B));
        }
        if (!LEASE.isEmpty() && !AGENT_B.isEmpty() && TARGETS.contains("agent-http-b")) {
            targets.put("agent-http-b", new AgentTarget(true, AGENT_B, JIT_QUIET_PID_B));
        }
        if (!PEER_STREAMING.isEmpty() && TARGETS.contains("watchdog-streaming")) {
            targets.put("watchdog-streaming", prepared -> viaPeer(PEER_STREAMING));
        }
        if (!PEER_HTTP_JAVA.isEmpty() && TARGETS.contains("watchdog-http-java")) {
            targets.put("watchdog-http-java", prepared -> viaPeer(PEER_HTTP_JAVA));
        }
        if (!PEER_HTTP.isEmpty() && TARGETS.contains("watchdog-http")) {
            targets.put("watchdog-http", prepared -> viaPeer(PEER_HTTP));
        }
        if (!SCRIPT.isEmpty() && TARGETS.contains("script")) {
            targets.put("script", prepared -> viaScript());
        }
        for (java.util.Map.Entry<String, Call> target : targets.entrySet()) {
            awaitAnswer(target.getKey(), target.getValue());
        }
        System.out.printf("%-18s %4s %9s %9s %10s %7s %14s%n", "target", "conc", "p50 ms", "p99 ms", "calls/s", "errors",
                "vs " + REFERENCE);
        for (int c : CONCURRENCY) {
            run(targets, c);
        }
        if (PAIRS > 0 && targets.containsKey("gateway") && targets.containsKey("agent")) {
            paired(targets.get("gateway"), targets.get("agent"));
        }
    }

    /** Calls of the paired comparison (0: none). */
    static final int PAIRS = Integer.parseInt(env("BENCH_PAIRS", "0"));
    /** A pause after each pair (ms, 0: none), so that the work a call leaves behind (recording, shipping) is done
     * before the next pair starts: the pairs then measure the call path itself rather than what it competes with. */
    static final int PAIR_GAP_MS = Integer.parseInt(env("BENCH_PAIR_GAP_MS", "0"));
    /** When set, a pair starts every that many ms (the platform's background work then runs at the same rate in any build). */
    static final int PAIR_PERIOD_MS = Integer.parseInt(env("BENCH_PAIR_PERIOD_MS", "0"));

    /**
     * What the gateway adds, measured in pairs: {@link #PAIRS} times, one call through the gateway and one straight to
     * the agent back to back (which goes first alternates), one at a time. Both calls of a pair meet the same state of
     * the machine (background work, page cache, CPU frequency), so the median of the pairs' differences shows the
     * gateway's own cost with far less spread than the difference of two medians taken apart. Also printed: the
     * medians of ten consecutive blocks of pairs, whose spread shows how steady the figure is within the run.
     */
    static void paired(Call gateway, Call agent) throws Exception {
        long[] diffs = new long[PAIRS];
        long[] g = new long[PAIRS];
        long[] a = new long[PAIRS];
        int errors = 0;
        long pairsStarted = System.nanoTime();
        agent.beforeTurn(0); // no grant signed for the table's turns: they may have expired
        for (int i = 0; i < PAIRS; i++) {
            Object prepared = agent.prepare();
            long viaGateway;
            long viaAgent;
            boolean ok;
            if (i % 2 == 0) {
                long t = System.nanoTime();
                ok = gateway.run(null);
                viaGateway = System.nanoTime() - t;
                t = System.nanoTime();
                ok &= agent.run(prepared);
                viaAgent = System.nanoTime() - t;
            } else {
                long t = System.nanoTime();
                ok = agent.run(prepared);
                viaAgent = System.nanoTime() - t;
                t = System.nanoTime();
                ok &= gateway.run(null);
                viaGateway = System.nanoTime() - t;
            }
            if (!ok) {
                errors++;
            }
            if (PAIR_GAP_MS > 0) {
                Thread.sleep(PAIR_GAP_MS);
            }
            if (PAIR_PERIOD_MS > 0) {
                long next = pairsStarted + (i + 1L) * PAIR_PERIOD_MS * 1_000_000L;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                }
            }
            g[i] = viaGateway;
            a[i] = viaAgent;
            diffs[i] = viaGateway - viaAgent;
        }
        int block = PAIRS / 10;
        List<String> blocks = new ArrayList<>();
        for (int b = 0; b < 10 && block > 0; b++) {
            blocks.add(String.format("%.2f", median(Arrays.copyOfRange(diffs, b * block, (b + 1) * block)) / 1e6));
        }
        System.out.printf("PAIRED %d pairs (gap %d ms, period %d ms, %d errors): gateway p50 %.2f ms, agent p50 %.2f ms, gateway adds"
                + " (median of the pairs' differences) %.3f ms; per block of %d pairs: %s%n", PAIRS, PAIR_GAP_MS, PAIR_PERIOD_MS, errors, median(g) / 1e6,
                median(a) / 1e6, median(diffs) / 1e6, block, String.join(" ", blocks));
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
    /** One call: {@link #prepare} runs outside the measured time (the agent target signs its grant there). */
    interface Call {
        default Object prepare() throws Exception {
            return null;
        }

        /** Runs before each turn, outside the measured time, with about how many calls the turn will make. */
        default void beforeTurn(int expectedCalls) throws Exception {
        }

        boolean run(Object prepared) throws Exception;
    }

    static boolean viaGateway(String gateway) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + "/fn/" + FUNCTION + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("bench")).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    /**
     * The agent's call with a fresh grant signed by the gateway key (as the gateway sends it), built before the timed
     * part: the gateway's own signing is in the gateway target's time, so the difference between the targets is what
     * the gateway adds, signing included.
     */
    static byte[] agentCall(org.web3j.crypto.ECKeyPair key, boolean http) throws Exception {
        UUID id = UUID.randomUUID();
        cloud.agora.protocol.invocation.InvocationGrant grant = cloud.agora.protocol.invocation.InvocationGrant.unsigned(id,
                UUID.fromString(LEASE), cloud.agora.protocol.eth.Address.parse(PROVIDER),
                cloud.agora.protocol.eth.Address.parse(CONSUMER), BUNDLE, 10_000, java.time.Instant.now(),
                java.time.Duration.ofSeconds(30)).signedBy(key);
        // exec mode: handler.sh forked per call; HTTP mode: the bundle's Server.java, a JDK HttpServer kept per container,
        // run with the flags of the Java template's image (cli FunctionBuilder): a long-lived server, C2 included
        cloud.agora.protocol.invocation.InvocationCall call = http
                ? new cloud.agora.protocol.invocation.InvocationCall(grant, id, UUID.fromString(LEASE), "jvm", BUNDLE,
                        List.of("java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp",
                                "-Dsun.net.httpserver.nodelay=true", "/function/Server.java"), "POST", "/", "", java.util.Map.of(), "bench".getBytes(), 10_000L,
                        java.util.Map.of(), "http")
                : new cloud.agora.protocol.invocation.InvocationCall(grant, id, UUID.fromString(LEASE), "shell", BUNDLE,
                        List.of("/bin/sh", "/function/handler.sh"), "POST", "/", "", java.util.Map.of(), "bench".getBytes(),
                        10_000L, java.util.Map.of());
        return cloud.agora.protocol.event.JsonCodec.mapper().writeValueAsBytes(call);
    }

    static boolean viaAgent(byte[] body) throws Exception {
        return viaAgent(AGENT, body);
    }

    static boolean viaAgent(String agent, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(agent + "/api/v1/invocations"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> reply = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return reply.statusCode() == 200 && reply.body().contains("\"status\":\"OK\"") && reply.body().contains(EXPECTED_BASE64);
    }

    /** A peer's plain HTTP function: POST "bench", expect "hello bench". */
    static boolean viaPeer(String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString("bench")).build();
        HttpResponse<String> reply = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return reply.statusCode() == 200 && reply.body().equals(EXPECTED);
    }

    /**
     * A call straight to the agent (exec mode: target agent; HTTP mode: target agent-http), each with a fresh grant
     * signed by the gateway key. Calls are signed before the turn (with when), so that the client's signing is in
     * neither the latency nor the rate. Grants are valid 30 s: one signed more than 20 s ago is dropped and the call
     * signed then.
     */
    static final class AgentTarget implements Call {
        /** The most calls signed ahead of a turn (about 1 KiB each): enough for 10 s turns up to ~6,000 calls/s. */
        static final int MAX_PRESIGNED = 80_000;
        final boolean http;
        final String url;
        /** The agent's pid (0: not known): its compiler is waited for, and its CPU counted. */
        final long pid;
        final org.web3j.crypto.ECKeyPair key;
        final java.util.concurrent.ConcurrentLinkedQueue<long[]> signedAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final java.util.concurrent.ConcurrentLinkedQueue<byte[]> ready = new java.util.concurrent.ConcurrentLinkedQueue<>();

        AgentTarget(boolean http) throws Exception {
            this(http, AGENT, JIT_QUIET_PID);
        }

        AgentTarget(boolean http, String url, long pid) throws Exception {
            this.http = http;
            this.url = url;
            this.pid = pid;
            this.key = cloud.agora.protocol.eth.KeyFiles.read(java.nio.file.Path.of(GATEWAY_KEY_FILE));
        }

        @Override
        public synchronized void beforeTurn(int expectedCalls) throws Exception {
            ready.clear();
            signedAt.clear();
            long now = System.nanoTime();
            // on every core, before the clock: a call signed during the turn would take the client's CPU from the
            // agent's on this same machine (at 2,700 calls/s a 10 s turn needs 35,000 with the margin)
            ready.addAll(java.util.stream.IntStream.range(0, Math.min(expectedCalls, MAX_PRESIGNED)).parallel()
                    .mapToObj(i -> {
                        try {
                            return agentCall(key, http);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }).toList());
            signedAt.add(new long[] {now});
        }

        @Override
        public Object prepare() throws Exception {
            long[] when = signedAt.peek();
            if (when != null && System.nanoTime() - when[0] > 20_000_000_000L) {
                ready.clear(); // too old to be sure the grant is still valid when it arrives
                signedAt.clear();
            }
            byte[] call = ready.poll();
            return call != null ? call : agentCall(key, http);
        }

        @Override
        public boolean run(Object prepared) throws Exception {
            return viaAgent(url, (byte[]) prepared);
        }
    }

    /** Waits (up to 120 s) for one correct answer of the target, so that a target still starting does not count errors. */
    static void awaitAnswer(String name, Call call) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (call.run(call.prepare())) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(name + " never answered correctly", last);
    }

    /** The calls/s each target reached in its last warm-up slice: how many calls to sign before its first turn. */
    static final java.util.Map<Call, Double> WARM_RATE = new java.util.concurrent.ConcurrentHashMap<>();

    static void warmSlice(ExecutorService pool, int concurrency, Call call, long until) throws Exception {
        call.beforeTurn(WARM_RATE.containsKey(call) ? (int) Math.min(AgentTarget.MAX_PRESIGNED, WARM_RATE.get(call) * 6.5) : 5_000);
        Latencies calls = new Latencies();
        long started = System.nanoTime();
        batch(pool, concurrency, Integer.MAX_VALUE, until, call, calls, new AtomicInteger());
        WARM_RATE.put(call, calls.size / ((System.nanoTime() - started) / 1e9));
    }

    /**
     * CPU ticks (1/100 s) each JIT compiler thread of process {@code pid} used so far, by thread id (a thread that ends
     * takes its count along, so slices compare thread by thread).
     */
    static java.util.Map<String, Long> compilerTicks(long pid) throws java.io.IOException {
        java.util.Map<String, Long> ticks = new java.util.HashMap<>();
        try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc",
                Long.toString(pid), "task"))) {
            for (java.nio.file.Path task : (Iterable<java.nio.file.Path>) tasks::iterator) {
                try {
                    if (!java.nio.file.Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        continue;
                    }
                    ticks.put(task.getFileName().toString(), statTicks(task.resolve("stat")));
                } catch (java.io.IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return ticks;
    }

    /**
     * CPU ticks (1/100 s) used so far by the whole machine (every state but idle and iowait), by this process, and by
     * the agent {@code pid} (0: none).
     */
    static long[] cpuTicks(long pid) throws java.io.IOException {
        String[] all = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < all.length && i <= 8; i++) {
            if (i != 4 && i != 5) { // idle, iowait
                busy += Long.parseLong(all[i]);
            }
        }
        return new long[] {busy, processTicks(ProcessHandle.current().pid()), pid > 0 ? processTicks(pid) : 0};
    }

    /** The pid of an agent target's agent, 0 for other targets or when not known. */
    static long agentPid(Call call) {
        return call instanceof AgentTarget agent ? agent.pid : 0;
    }

    /** utime + stime of a process, in ticks. */
    static long processTicks(long pid) throws java.io.IOException {
        return statTicks(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** utime + stime in a process's or thread's {@code stat} file, in ticks. */
    static long statTicks(java.nio.file.Path file) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(file);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static boolean viaScript() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", SCRIPT).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("bench".getBytes());
        }
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    static void run(java.util.Map<String, Call> targets, int concurrency) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            for (java.util.Map.Entry<String, Call> target : targets.entrySet()) {
                Call call = target.getValue();
                call.beforeTurn(WARMUP);
                batch(pool, concurrency, WARMUP, 0, call, new Latencies(), new AtomicInteger());
                if (WARMUP_SECONDS > 0 && WARMED.add(call)) {
                    long started = System.nanoTime();
                    long until = started + WARMUP_SECONDS * 1_000_000_000L;
                    while (System.nanoTime() - until < 0) { // in slices, so that pre-signed grants stay fresh
                        warmSlice(pool, concurrency, call, Math.min(until, System.nanoTime() + 5_000_000_000L));
                    }
                    long pid = agentPid(call);
                    if (pid > 0) {
                        long used;
                        do {
                            java.util.Map<String, Long> before = compilerTicks(pid);
                            warmSlice(pool, concurrency, call, System.nanoTime() + 5_000_000_000L);
                            used = 0;
                            for (java.util.Map.Entry<String, Long> thread : compilerTicks(pid).entrySet()) {
                                used += thread.getValue() - before.getOrDefault(thread.getKey(), 0L); // a new thread: all of it
                            }
                        } while (used > 5 && System.nanoTime() - started < 300_000_000_000L);
                        System.out.printf("%s warmed up for %d s (the JIT compiler used %d ms in the last 5 s)%n",
                                target.getKey(), (System.nanoTime() - started) / 1_000_000_000L, used * 10);
                    }
                }
            }
            int perRound = REQUESTS / ROUNDS;
            java.util.Map<String, Latencies> nanos = new java.util.HashMap<>();
            java.util.Map<String, long[]> elapsed = new java.util.HashMap<>();
            java.util.Map<String, AtomicInteger> errors = new java.util.HashMap<>();
            java.util.Map<String, long[]> cpu = new java.util.HashMap<>();
            java.util.Map<String, java.util.List<Double>> turnRates = new java.util.HashMap<>();
            targets.keySet().forEach(name -> {
                nanos.put(name, new Latencies());
                elapsed.put(name, new long[1]);
                errors.put(name, new AtomicInteger());
                cpu.put(name, new long[3]);
                turnRates.put(name, new java.util.ArrayList<>());
            });
            java.util.List<java.util.Map.Entry<String, Call>> forward = new java.util.ArrayList<>(targets.entrySet());
            java.util.List<java.util.Map.Entry<String, Call>> backward = new java.util.ArrayList<>(forward);
            java.util.Collections.reverse(backward);
            for (int round = 0; round < ROUNDS; round++) {
                // every other round backwards: over an even number of rounds each target's turn follows each neighbour's
                // as often as it precedes it, so that what a turn leaves behind (the client's garbage, a peer's closing
                // connections, the next turn's grants signed on every core) falls on the targets more alike than in one
                // order; only nearly: at a round's boundary the first or last target follows its own turn
                for (java.util.Map.Entry<String, Call> target : round % 2 == 0 ? forward : backward) {
                    String name = target.getKey();
                    Latencies mine = nanos.get(name);
                    int done = mine.size;
                    // expected calls this turn: the rate so far (or a guess) times the turn, with a margin
                    double rate = elapsed.get(name)[0] > 0 ? done / (elapsed.get(name)[0] / 1e9)
                            : WARM_RATE.getOrDefault(target.getValue(), 400.0);
                    target.getValue().beforeTurn(TURN_SECONDS > 0 ? (int) Math.min(AgentTarget.MAX_PRESIGNED, rate * TURN_SECONDS * 1.3) : perRound);
                    long[] ticksBefore = cpuTicks(agentPid(target.getValue()));
                    long start = System.nanoTime();
                    batch(pool, concurrency, TURN_SECONDS > 0 ? Integer.MAX_VALUE : perRound,
                            TURN_SECONDS > 0 ? start + TURN_SECONDS * 1_000_000_000L : 0, target.getValue(), mine, errors.get(name));
                    long turn = System.nanoTime() - start;
                    elapsed.get(name)[0] += turn;
                    turnRates.get(name).add((mine.size - done) / (turn / 1e9));
                    long[] ticksAfter = cpuTicks(agentPid(target.getValue()));
                    for (int i = 0; i < 3; i++) {
                        cpu.get(name)[i] += ticksAfter[i] - ticksBefore[i];
                    }
                }
            }
            java.util.Map<String, double[]> figures = new java.util.LinkedHashMap<>();
            for (String name : targets.keySet()) {
                long[] sorted = nanos.get(name).sorted();
                int n = sorted.length;
                figures.put(name, new double[] {sorted[n / 2] / 1e6, sorted[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)] / 1e6,
                        n / (elapsed.get(name)[0] / 1e9)});
            }
            double[] reference = figures.get(REFERENCE);
            for (java.util.Map.Entry<String, double[]> f : figures.entrySet()) {
                double[] v = f.getValue();
                String ratio = reference == null ? "" : String.format("%.2fx calls/s", v[2] / reference[2]);
                System.out.printf("%-18s %4d %9.2f %9.2f %10.1f %7d %14s%n", f.getKey(), concurrency, v[0], v[1], v[2],
                        errors.get(f.getKey()).get(), ratio);
            }
            // CPU per call during the turns (ticks of 10 ms over whole turns): the whole machine's, this client's,
            // and the agent's (an agent target's); the rest is the target's other processes and the kernel's. Then the
            // slowest and fastest turn's calls/s: how far one target's turns spread in this run
            System.out.printf("%-18s %4s %16s %16s %16s %22s%n", "cpu per call", "conc", "machine us", "client us", "agent us",
                    "turns calls/s");
            for (String name : targets.keySet()) {
                double calls = nanos.get(name).size;
                long[] t = cpu.get(name);
                java.util.DoubleSummaryStatistics turns = turnRates.get(name).stream().mapToDouble(Double::doubleValue)
                        .summaryStatistics();
                System.out.printf("%-18s %4d %16.0f %16.0f %16s %22s%n", name, concurrency, t[0] * 1e4 / calls, t[1] * 1e4 / calls,
                        agentPid(targets.get(name)) > 0 ? String.format("%.0f", t[2] * 1e4 / calls) : "",
                        String.format("%.0f-%.0f", turns.getMin(), turns.getMax()));
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Latencies in ns, appended by concurrent workers. */
    static final class Latencies {
        long[] values = new long[4096];
        int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        synchronized long[] sorted() {
            long[] out = Arrays.copyOf(values, size);
            Arrays.sort(out);
            return out;
        }
    }

    /** {@code total} calls, or as many as fit before {@code deadline} (System.nanoTime; 0: none), on {@code concurrency} workers. */
    static void batch(ExecutorService pool, int concurrency, int total, long deadline, Call call, Latencies nanos,
            AtomicInteger errors) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit((Callable<Void>) () -> {
                while (next.getAndIncrement() < total && (deadline == 0 || System.nanoTime() - deadline < 0)) {
                    boolean ok;
                    long t = System.nanoTime();
                    try {
                        Object prepared = call.prepare();
                        t = System.nanoTime();
                        ok = call.run(prepared);
                    } catch (Exception e) {
                        ok = false;
                    }
                    nanos.add(System.nanoTime() - t);
                    if (!ok) {
                        errors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
