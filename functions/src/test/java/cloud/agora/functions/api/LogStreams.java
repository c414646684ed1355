package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.domain.recording.CallRecording;
import cloud.agora.functions.domain.recording.InvocationRecord;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.agroal.api.AgroalDataSource;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Log lines for tests: recorded through the gateway's own recording path ({@link InvocationStore#record}, as the
 * recorder does for every answered call), and read back through the HTTP API as NDJSON or SSE, line by line (the
 * reader keeps nothing but what the caller keeps).
 */
final class LogStreams {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectReader JSON = JsonCodec.mapper().readerFor(JsonNode.class);

    private LogStreams() {
    }

    /** One call to record: its provider, record time and stderr lines. */
    record Call(UUID id, String provider, Instant at, List<String> lines) {

        static Call of(String provider, Instant at, List<String> lines) {
            return new Call(UUID.randomUUID(), provider, at, lines);
        }
    }

    /** Records the calls of {@code functionId} in one transaction, as the recorder records a batch. */
    static void record(InvocationStore store, UUID functionId, List<Call> calls) {
        List<CallRecording> recordings = new ArrayList<>(calls.size());
        for (Call call : calls) {
            InvocationRecord record = new InvocationRecord(call.id(), functionId, 1, call.provider(), UUID.randomUUID(),
                    "OK", 0, 0, 0, 0, 0, 0, null, InvocationRecord.ReceiptStatus.MISSING, "missing: test", call.at());
            recordings.add(new CallRecording(record, null, call.lines(), null));
        }
        store.record(recordings, hashes -> List.of());
    }

    /** The id of the function called {@code name}. */
    static UUID functionId(AgroalDataSource dataSource, String name) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT id FROM functions WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).as("function " + name).isTrue();
                return r.getObject(1, UUID.class);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A provider's address (lower-case hex), made up. */
    static String provider() {
        return "0x" + UUID.randomUUID().toString().replace("-", "") + "00000000";
    }

    /** A line as it came: its JSON and, for SSE, the event's id. */
    record Received(JsonNode line, String eventId) {

        long seq() {
            return line.path("seq").asLong();
        }

        String text() {
            return line.path("line").asText();
        }

        String provider() {
            return line.path("provider").asText();
        }
    }

    /** Opens a log stream; the caller reads (and closes) its body. */
    static HttpResponse<InputStream> open(URL base, String token, String name, String query, String accept,
            Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "api/v1/functions/" + name + "/logs"
                + (query.isEmpty() ? "" : "?" + query))).header("Authorization", "Bearer " + token);
        if (accept != null) {
            request.header("Accept", accept);
        }
        headers.forEach(request::header);
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a stream to its end (or until {@code each} throws {@link Stop}), handing over each line as it comes.
     *
     * @return how many lines came
     */
    static long read(HttpResponse<InputStream> response, boolean sse, Consumer<Received> each) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .startsWith(sse ? "text/event-stream" : "application/x-ndjson");
        long count = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8),
                1 << 16)) {
            String line;
            String id = null;
            while ((line = lines.readLine()) != null) {
                if (sse) {
                    if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("data:")) {
                        count++;
                        each.accept(new Received(JSON.readValue(line.substring(5).strip()), id));
                        id = null;
                    }
                } else if (!line.isEmpty()) {
                    count++;
                    each.accept(new Received(JSON.readValue(line), null));
                }
            }
        } catch (Stop stop) {
            return count;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return count;
    }

    /** Reads a whole stream into a list (small results only). */
    static List<Received> all(URL base, String token, String name, String query, boolean sse) {
        List<Received> out = new ArrayList<>();
        read(open(base, token, name, query, sse ? "text/event-stream" : "application/x-ndjson", Map.of()), sse, out::add);
        return out;
    }

    /** Thrown by a line consumer to stop reading. */
    static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }
}
