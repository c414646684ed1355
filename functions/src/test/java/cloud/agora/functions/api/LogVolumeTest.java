package cloud.agora.functions.api;

import static cloud.agora.functions.api.LogStreams.Call;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A large log read back whole through the HTTP API: every line of calls on three replicas on three providers, merged
 * in record order, in both formats, while the service's heap stays flat. {@value #DEFAULT_LINES} lines by default;
 * {@code -Dagora.test.log-lines=1000000} runs the million-line measurement (see the README, "Log queries measured").
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class LogVolumeTest {

    static final int DEFAULT_LINES = 60_000;
    static final int LINES = Integer.getInteger("agora.test.log-lines", DEFAULT_LINES);
    static final int LINES_PER_CALL = 100;
    /** Calls recorded per transaction per provider, as one gateway instance's recorder batches them. */
    static final int CALLS_PER_BATCH = 100;
    /** Heap the service may gain while streaming, whatever the size of the result (a million lines held: ~300 MB). */
    static final long FLAT_HEAP_BYTES = 64L << 20;

    @Inject
    InvocationStore store;

    @Inject
    AgroalDataSource dataSource;

    @TestHTTPResource("/")
    URL base;

    @Test
    void everyLineOfThreeProvidersComesBackMergedInRecordOrderAsNdjsonAndSseWhileTheHeapStaysFlat() throws Exception {
        Developer dev = Developer.signedIn();
        String name = "logv-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        UUID function = LogStreams.functionId(dataSource, name);
        List<String> providers = List.of(LogStreams.provider(), LogStreams.provider(), LogStreams.provider());

        // call i runs on replica i % 3 and is recorded at t0 + i ms; each provider's calls are recorded in its own
        // transactions, the third provider's first: seq order is not record order
        long started = System.nanoTime();
        Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        int calls = LINES / LINES_PER_CALL;
        for (int first = 0; first < calls; first += CALLS_PER_BATCH * 3) {
            for (int p = 2; p >= 0; p--) {
                List<Call> batch = new ArrayList<>();
                for (int i = first + p; i < Math.min(calls, first + CALLS_PER_BATCH * 3); i += 3) {
                    List<String> lines = new ArrayList<>(LINES_PER_CALL);
                    for (int l = 0; l < LINES_PER_CALL; l++) {
                        lines.add("call " + i + " line " + l + " on replica " + p);
                    }
                    batch.add(Call.of(providers.get(p), t0.plusMillis(i), lines));
                }
                LogStreams.record(store, function, batch);
            }
        }
        double recordSeconds = (System.nanoTime() - started) / 1e9;
        long[] stored = storedSeqs(function);
        assertThat(stored[2]).as("lines recorded").isEqualTo(LINES);

        Figures ndjson = readAll(dev, name, false, stored, providers);
        Figures sse = readAll(dev, name, true, stored, providers);
        System.out.printf("log volume: %d lines recorded in %.1f s; NDJSON read in %.1f s (heap %s); SSE read in %.1f s"
                + " (heap %s); max heap %d MiB%n", LINES, recordSeconds, ndjson.seconds, ndjson.heap, sse.seconds, sse.heap,
                Runtime.getRuntime().maxMemory() >> 20);
        assertThat(ndjson.heapGrowth()).as("heap gained while streaming NDJSON: %s", ndjson.heap).isLessThan(FLAT_HEAP_BYTES);
        assertThat(sse.heapGrowth()).as("heap gained while streaming SSE: %s", sse.heap).isLessThan(FLAT_HEAP_BYTES);
    }

    record Figures(double seconds, List<Long> heapSamples, String heap) {

        long heapGrowth() {
            return heapSamples.stream().mapToLong(Long::longValue).max().orElseThrow() - heapSamples.get(0);
        }
    }

    /**
     * Reads the whole log and checks, line by line, that it comes in record order (time, then seq), that every
     * stored seq comes exactly once, and that each line is its provider's; samples the used heap after a full GC
     * before the read and at every eighth of it.
     */
    Figures readAll(Developer dev, String name, boolean sse, long[] stored, List<String> providers) {
        BitSet seen = new BitSet((int) (stored[1] - stored[0] + 1));
        List<Long> heap = new ArrayList<>();
        heap.add(usedHeapAfterGc());
        Map<String, Long> perProvider = new HashMap<>();
        long[] previous = {Long.MIN_VALUE, Long.MIN_VALUE};
        long[] count = {0};
        long started = System.nanoTime();
        long read = LogStreams.read(LogStreams.open(base, dev.token, name, "", sse ? "text/event-stream"
                : "application/x-ndjson", Map.of()), sse, line -> {
                    long seq = line.seq();
                    Instant time = Instant.parse(line.line().path("time").asText());
                    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, time);
                    if (micros < previous[0] || micros == previous[0] && seq <= previous[1]) {
                        throw new AssertionError("line " + seq + " at " + time + " came after a later line");
                    }
                    previous[0] = micros;
                    previous[1] = seq;
                    int index = (int) (seq - stored[0]);
                    if (seq < stored[0] || seq > stored[1] || seen.get(index)) {
                        throw new AssertionError("seq " + seq + " is not a stored line or came twice");
                    }
                    seen.set(index);
                    if (sse && !String.valueOf(seq).equals(line.eventId())) {
                        throw new AssertionError("event id " + line.eventId() + " of line " + seq);
                    }
                    String text = line.text();
                    String provider = providers.get(text.charAt(text.length() - 1) - '0');
                    if (!provider.equals(line.provider())) {
                        throw new AssertionError("line '" + text + "' came with provider " + line.provider());
                    }
                    perProvider.merge(provider, 1L, Long::sum);
                    if (++count[0] % (LINES / 8) == 0) {
                        heap.add(usedHeapAfterGc());
                    }
                });
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(read).isEqualTo(LINES);
        assertThat(seen.cardinality()).as("distinct stored lines read").isEqualTo(LINES);
        assertThat(perProvider.values()).as("lines per provider").hasSize(3)
                .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(LINES / 3 - LINES_PER_CALL));
        StringBuilder samples = new StringBuilder();
        heap.forEach(h -> samples.append(samples.length() == 0 ? "" : "/").append(h >> 20));
        return new Figures(seconds, heap, samples + " MiB");
    }

    static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The function's lowest and highest seq and its number of lines. */
    long[] storedSeqs(UUID function) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT min(seq), max(seq), count(*) FROM function_logs WHERE function_id = ?")) {
            s.setObject(1, function);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new long[] {r.getLong(1), r.getLong(2), r.getLong(3)};
            }
        }
    }
}
