package cloud.agora.functions.api;

import static cloud.agora.functions.api.LogStreams.Call;
import static cloud.agora.functions.api.LogStreams.Received;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.functions.Bundles;
import cloud.agora.functions.persistence.InvocationStore;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queries of a function's log through {@code GET /api/v1/functions/{name}/logs}: record order across providers,
 * filters, cursors, both formats and the problems of bad parameters (real PostgreSQL; lines recorded through the
 * gateway's recording path).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class LogQueryTest {

    @Inject
    InvocationStore store;

    @Inject
    AgroalDataSource dataSource;

    @TestHTTPResource("/")
    URL base;

    Developer dev;
    String name;
    Instant t0;
    String a;
    String b;
    String c;
    Call a1;
    Call b1;
    Call c1;
    Call a2;

    /**
     * Four calls on three providers, recorded in another order than their record times: {@code c1} first, then
     * {@code a2}, then {@code a1} and {@code b1} (recorded at the same instant) in one transaction.
     */
    @BeforeEach
    void recordCallsOnThreeProviders() {
        dev = Developer.signedIn();
        name = "logq-" + UUID.randomUUID().toString().substring(0, 8);
        dev.publish(Developer.spec(name), Bundles.echo()).statusCode(201);
        UUID function = LogStreams.functionId(dataSource, name);
        t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        a = LogStreams.provider();
        b = LogStreams.provider();
        c = LogStreams.provider();
        a1 = Call.of(a, t0.plusSeconds(1), List.of("a1 start", "a1 Error: disk"));
        b1 = Call.of(b, t0.plusSeconds(1), List.of("b1 start"));
        c1 = Call.of(c, t0.plusSeconds(2), List.of("c1 error: lower case"));
        a2 = Call.of(a, t0.plusSeconds(3), List.of("a2 start"));
        LogStreams.record(store, function, List.of(c1));
        LogStreams.record(store, function, List.of(a2));
        LogStreams.record(store, function, List.of(a1, b1));
    }

    List<String> texts(String query) {
        return LogStreams.all(base, dev.token, name, query, false).stream().map(Received::text).toList();
    }

    @Test
    void linesComeInRecordTimeOrderThenSeqWhateverOrderTheirCallsWereRecordedIn() {
        List<Received> ndjson = LogStreams.all(base, dev.token, name, "", false);
        assertThat(ndjson).extracting(Received::text)
                .containsExactly("a1 start", "a1 Error: disk", "b1 start", "c1 error: lower case", "a2 start");
        // seq breaks the tie of a1 and b1 (same record time) and keeps a call's lines in its stderr order; c1 and a2
        // were recorded first, so their seq is lower although their time is later
        assertThat(ndjson.get(0).seq()).isLessThan(ndjson.get(1).seq());
        assertThat(ndjson.get(1).seq()).isLessThan(ndjson.get(2).seq());
        assertThat(ndjson.get(3).seq()).isLessThan(ndjson.get(0).seq());
        JsonNode first = ndjson.get(0).line();
        assertThat(first.path("invocationId").asText()).isEqualTo(a1.id().toString());
        assertThat(first.path("provider").asText()).isEqualTo(a);
        assertThat(Instant.parse(first.path("time").asText())).isEqualTo(t0.plusSeconds(1));
        assertThat(first.fieldNames()).toIterable().containsExactly("seq", "time", "invocationId", "provider", "line");

        List<Received> sse = LogStreams.all(base, dev.token, name, "", true);
        assertThat(sse).extracting(Received::line).isEqualTo(ndjson.stream().map(Received::line).toList());
        assertThat(sse).allSatisfy(r -> assertThat(r.eventId()).isEqualTo(String.valueOf(r.seq())));
        // no Accept header: server-sent events, as before
        HttpResponse<InputStream> plain = LogStreams.open(base, dev.token, name, "", null, Map.of());
        assertThat(LogStreams.read(plain, true, r -> { })).isEqualTo(5);
    }

    @Test
    void filtersSelectBySinceUntilInvocationProviderAndCaseSensitiveText() {
        assertThat(texts("since=" + t0.plusSeconds(2))).containsExactly("c1 error: lower case", "a2 start");
        assertThat(texts("until=" + t0.plusSeconds(2))).containsExactly("a1 start", "a1 Error: disk", "b1 start");
        assertThat(texts("since=" + t0.plusSeconds(2) + "&until=" + t0.plusSeconds(3))).containsExactly("c1 error: lower case");
        assertThat(texts("invocationId=" + a1.id())).containsExactly("a1 start", "a1 Error: disk");
        assertThat(texts("invocationId=" + UUID.randomUUID())).isEmpty();
        // an address in any case names the same provider
        assertThat(texts("provider=0x" + b.substring(2).toUpperCase(Locale.ROOT))).containsExactly("b1 start");
        assertThat(texts("provider=" + a)).containsExactly("a1 start", "a1 Error: disk", "a2 start");
        // plain text, case-sensitive: "Error" is not "error", and % or _ are no wildcards
        assertThat(texts("contains=Error")).containsExactly("a1 Error: disk");
        assertThat(texts("contains=error")).containsExactly("c1 error: lower case");
        assertThat(texts("contains=" + URLEncoder.encode("%", StandardCharsets.UTF_8))).isEmpty();
        assertThat(texts("contains=" + URLEncoder.encode(" start", StandardCharsets.UTF_8) + "&provider=" + a))
                .containsExactly("a1 start", "a2 start");
        assertThat(texts("limit=2")).containsExactly("a1 start", "a1 Error: disk");
        assertThat(texts("limit=2&provider=" + a + "&since=" + t0.plusSeconds(1))).containsExactly("a1 start", "a1 Error: disk");
    }

    @Test
    void aCursorResumesAfterTheLastLineSeenFromTheQueryOrLastEventId() {
        List<Received> firstTwo = LogStreams.all(base, dev.token, name, "limit=2", true);
        String cursor = firstTwo.get(1).eventId();
        assertThat(texts("after=" + cursor)).containsExactly("b1 start", "c1 error: lower case", "a2 start");
        // an EventSource reconnecting sends the last id it saw; it wins over the URL's own cursor
        List<String> resumed = new ArrayList<>();
        LogStreams.read(LogStreams.open(base, dev.token, name, "after=0", "text/event-stream",
                Map.of("Last-Event-ID", cursor)), true, r -> resumed.add(r.text()));
        assertThat(resumed).containsExactly("b1 start", "c1 error: lower case", "a2 start");
        // resumed with filters and a limit, page by page
        List<String> paged = new ArrayList<>();
        String after = "";
        for (int i = 0; i < 5; i++) {
            List<Received> page = LogStreams.all(base, dev.token, name, "limit=1&contains=start" + after, false);
            if (page.isEmpty()) {
                break;
            }
            paged.add(page.get(0).text());
            after = "&after=" + page.get(0).seq();
        }
        assertThat(paged).containsExactly("a1 start", "b1 start", "a2 start");
        // the cursor of a line that is no longer kept (or was never this function's): every line kept is after it
        assertThat(texts("after=0")).hasSize(5);
    }

    @Test
    void badParametersGetAProblemAndChangeNothing() {
        List<Long> before = Rows.counts(dataSource);
        refused("since=yesterday", "invalid-since", null);
        refused("until=tomorrow", "invalid-log-query", "until");
        refused("since=" + t0.plusSeconds(5) + "&until=" + t0, "invalid-log-query", "until");
        refused("invocationId=42", "invalid-log-query", "invocationId");
        refused("provider=0x1234", "invalid-log-query", "provider");
        refused("limit=0", "invalid-log-query", "limit");
        refused("limit=many", "invalid-log-query", "limit");
        refused("after=-1", "invalid-log-query", "after");
        refused("after=last", "invalid-log-query", "after");
        refused("follow=yes", "invalid-log-query", "follow");
        refused("follow=true&until=" + t0, "invalid-log-query", "until");
        HttpResponse<InputStream> badHeader = LogStreams.open(base, dev.token, name, "", "text/event-stream",
                Map.of("Last-Event-ID", "abc"));
        assertProblem(badHeader, 400, "invalid-log-query", "Last-Event-ID");
        HttpResponse<InputStream> xml = LogStreams.open(base, dev.token, name, "", "application/xml", Map.of());
        assertProblem(xml, 406, "log-format-not-acceptable", null);
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
        // the refused follow took no place among the developer's followed streams (2 in tests)
        HttpResponse<InputStream> one = LogStreams.open(base, dev.token, name, "follow=true", "text/event-stream", Map.of());
        HttpResponse<InputStream> two = LogStreams.open(base, dev.token, name, "follow=true", "text/event-stream", Map.of());
        try {
            assertThat(one.statusCode()).isEqualTo(200);
            assertThat(two.statusCode()).isEqualTo(200);
        } finally {
            close(one);
            close(two);
        }
    }

    @Test
    void anotherDevelopersFunctionIs404InBothFormats() {
        Developer stranger = Developer.signedIn();
        assertProblem(LogStreams.open(base, stranger.token, name, "", "application/x-ndjson", Map.of()), 404,
                "function-not-found", null);
        assertProblem(LogStreams.open(base, stranger.token, name, "follow=true", "text/event-stream", Map.of()), 404,
                "function-not-found", null);
        assertProblem(LogStreams.open(base, stranger.token, name, "provider=" + a, "text/event-stream", Map.of()), 404,
                "function-not-found", null);
    }

    void refused(String query, String slug, String parameter) {
        assertProblem(LogStreams.open(base, dev.token, name, query, "application/x-ndjson", Map.of()), 400, slug, parameter);
    }

    static void assertProblem(HttpResponse<InputStream> response, int status, String slug, String parameter) {
        try (InputStream body = response.body()) {
            String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response.statusCode()).as(text).isEqualTo(status);
            JsonNode problem = JsonCodec.read(text, JsonNode.class);
            assertThat(problem.path("type").asText()).isEqualTo("urn:agora:problem:" + slug);
            assertThat(problem.path("status").asInt()).isEqualTo(status);
            if (parameter != null) {
                assertThat(problem.path("parameter").asText()).isEqualTo(parameter);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (java.io.IOException e) {
            // closed already
        }
    }
}
