package cloud.agora.marketplace.bench;

import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Load run of the REST path against a running marketplace (with its PostgreSQL and Kafka):
 * {@code concurrency} developers each place bids that match at once and close the lease, for
 * {@code bids} bids in all after a warm-up. Prints bid-to-lease latency (POST /api/v1/bids
 * answered with the lease: matched, recorded, event in the outbox) and throughput.
 *
 * <p>Usage: {@code MarketLoad <url> [bids=2000] [concurrency=8] [providers=20]}; run by
 * {@code marketplace/bench/rest-load.sh}.
 */
public final class MarketLoad {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Map<String, Object> ASK = Map.of("perVcpuSecond", "20000000", "perGiBSecond", "2000000",
            "perInvocation", "1000", "perGiBMonth", "100000000000");
    private static final Map<String, Object> MAX = Map.of("perVcpuSecond", "30000000", "perGiBSecond", "3000000",
            "perInvocation", "2000", "perGiBMonth", "200000000000");

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://localhost:8081";
        int bids = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int providerCount = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        String region = "load-" + Long.toString(System.nanoTime(), 36);

        List<String[]> providers = new ArrayList<>();
        for (int i = 0; i < providerCount; i++) {
            ECKeyPair key = Keys.createEcKeyPair();
            String address = PersonalSignature.addressOf(key).checksummed();
            String token = signIn(url, key);
            call(url, "POST", "/api/v1/providers", token, Map.of("address", address, "endpoint", "http://p" + i + ":8090",
                    "region", region));
            call(url, "PUT", "/api/v1/providers/" + address + "/offer", token, Map.of(
                    "capacity", Map.of("cpuMillis", 1_000_000, "memoryMiB", 4_000_000, "storageGiB", 0), "prices", ASK));
            providers.add(new String[] {address, token});
        }
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> providers.forEach(p -> {
            try {
                call(url, "POST", "/api/v1/providers/" + p[0] + "/heartbeat", p[1], Map.of());
            } catch (Exception e) {
                System.err.println("heartbeat failed: " + e.getMessage());
            }
        }), 5, 5, TimeUnit.SECONDS);

        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            tokens.add(signIn(url, Keys.createEcKeyPair()));
        }
        System.out.printf("warm-up: %d bids%n", Math.max(200, bids / 10));
        run(url, region, tokens, Math.max(200, bids / 10));
        System.out.printf("measuring: %d bids, %d concurrent developers, %d providers%n", bids, concurrency, providerCount);
        long start = System.nanoTime();
        long[] latencies = run(url, region, tokens, bids);
        double seconds = (System.nanoTime() - start) / 1e9;
        heartbeats.shutdownNow();
        Arrays.sort(latencies);
        System.out.printf("bid-to-lease latency: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), latencies[latencies.length - 1] / 1e6);
        System.out.printf("throughput: %.0f bids matched/s (each also closed: %.0f market operations/s)%n",
                bids / seconds, 2 * bids / seconds);
    }

    private static long[] run(String url, String region, List<String> tokens, int bids) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tokens.size());
        AtomicInteger next = new AtomicInteger();
        long[] latencies = new long[bids];
        List<Future<?>> workers = new ArrayList<>();
        for (String token : tokens) {
            workers.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < bids) {
                    long t0 = System.nanoTime();
                    JsonNode bid = call(url, "POST", "/api/v1/bids", token, Map.of(
                            "resources", Map.of("cpuMillis", 250, "memoryMiB", 256, "storageGiB", 0),
                            "replicas", 1, "maxPrices", MAX, "constraints", Map.of("region", region), "ttlSeconds", 600));
                    latencies[i] = System.nanoTime() - t0;
                    if (!"MATCHED".equals(bid.get("status").asText())) {
                        throw new IllegalStateException("bid did not match: " + bid);
                    }
                    call(url, "POST", "/api/v1/leases/" + bid.get("leaseIds").get(0).asText() + "/close", token, Map.of());
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        return latencies;
    }

    private static String signIn(String url, ECKeyPair key) throws Exception {
        String message = call(url, "POST", "/api/v1/auth/challenge", null,
                Map.of("address", PersonalSignature.addressOf(key).checksummed())).get("message").asText();
        return call(url, "POST", "/api/v1/auth/token", null,
                Map.of("message", message, "signature", PersonalSignature.sign(message, key))).get("token").asText();
    }

    private static JsonNode call(String url, String method, String path, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + ": " + response.body());
        }
        return JsonCodec.mapper().readTree(response.body());
    }

    private static double pct(long[] sorted, int percentile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
