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
 * Warm invocation latency and throughput of one deployed function three ways: through the
 * functions gateway (/fn/NAME/), straight to the agent's POST /api/v1/invocations, and the
 * handler script run directly with /bin/sh (no container). Run with `java GatewayBench.java`
 * (JDK 17 single-file launch); settings from the environment, see gateway-bench.sh.
 */
public class GatewayBench {

    static final String GATEWAY = env("BENCH_GATEWAY_URL", "http://localhost:8080");
    static final String AGENT = env("BENCH_AGENT_URL", "http://localhost:8090");
    static final String AGENT_TOKEN = env("BENCH_AGENT_TOKEN", "");
    static final String FUNCTION = env("BENCH_FUNCTION", "bench");
    static final String LEASE = env("BENCH_LEASE_ID", "");
    static final String BUNDLE = env("BENCH_BUNDLE_CID", "");
    static final String SCRIPT = env("BENCH_SCRIPT", "");
    static final int REQUESTS = Integer.parseInt(env("BENCH_REQUESTS", "2000"));
    static final int WARMUP = Integer.parseInt(env("BENCH_WARMUP", "200"));
    static final int[] CONCURRENCY = Arrays.stream(env("BENCH_CONCURRENCY", "1,8,32").split(",")).mapToInt(Integer::parseInt)
            .toArray();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] args) throws Exception {
        System.out.printf("%-8s %4s %9s %9s %10s %7s%n", "target", "conc", "p50 ms", "p99 ms", "calls/s", "errors");
        for (int c : CONCURRENCY) {
            run("gateway", c, GatewayBench::viaGateway);
            if (!LEASE.isEmpty()) {
                run("agent", c, GatewayBench::viaAgent);
            }
            if (!SCRIPT.isEmpty()) {
                run("script", c, GatewayBench::viaScript);
            }
        }
    }

    interface Call {
        boolean run() throws Exception;
    }

    static boolean viaGateway() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(GATEWAY + "/fn/" + FUNCTION + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("bench")).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    static boolean viaAgent() throws Exception {
        String body = "{\"invocationId\":\"" + UUID.randomUUID() + "\",\"leaseId\":\"" + LEASE + "\",\"runtime\":\"shell\","
                + "\"bundle\":\"" + BUNDLE + "\",\"command\":[\"/bin/sh\",\"/function/handler.sh\"],\"method\":\"POST\","
                + "\"path\":\"/\",\"query\":\"\",\"headers\":{},\"body\":\"YmVuY2g=\",\"timeoutMillis\":10000,\"env\":{}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(AGENT + "/api/v1/invocations"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + AGENT_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    static boolean viaScript() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", SCRIPT).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("bench".getBytes());
        }
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    static void run(String name, int concurrency, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            batch(pool, concurrency, WARMUP, call, new long[WARMUP], new AtomicInteger());
            long[] nanos = new long[REQUESTS];
            AtomicInteger errors = new AtomicInteger();
            long start = System.nanoTime();
            batch(pool, concurrency, REQUESTS, call, nanos, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(nanos);
            System.out.printf("%-8s %4d %9.2f %9.2f %10.1f %7d%n", name, concurrency, nanos[REQUESTS / 2] / 1e6,
                    nanos[(int) Math.min(REQUESTS - 1, Math.ceil(REQUESTS * 0.99) - 1)] / 1e6, REQUESTS / seconds,
                    errors.get());
        } finally {
            pool.shutdown();
        }
    }

    static void batch(ExecutorService pool, int concurrency, int total, Call call, long[] nanos, AtomicInteger errors)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit((Callable<Void>) () -> {
                int i;
                while ((i = next.getAndIncrement()) < total) {
                    long t = System.nanoTime();
                    boolean ok;
                    try {
                        ok = call.run();
                    } catch (Exception e) {
                        ok = false;
                    }
                    nanos[i] = System.nanoTime() - t;
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
