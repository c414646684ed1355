package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import cloud.agora.ipld.Cid;
import cloud.agora.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@code /pins} with the IPFS Pinning Service API: every response body is
 * checked against the spec's schemas ({@link PinningSpec}), errors in its Failure format.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class PinningApiTest {

    private final String alice = Tokens.tokenFor(Tokens.ALICE);
    private final String bob = Tokens.tokenFor(Tokens.BOB);

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType("application/json");
    }

    private String uploaded(String content) {
        return as(alice).contentType("application/octet-stream").body(content.getBytes(StandardCharsets.UTF_8))
                .post("/api/v1/objects").then().statusCode(201).extract().path("cid");
    }

    private static Map<String, Object> json(Response response, int status) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/json");
        return response.jsonPath().getMap("");
    }

    private Map<String, Object> add(String token, Map<String, Object> pin) {
        Map<String, Object> status = json(as(token).body(pin).post("/pins"), 202);
        PinningSpec.assertPinStatus(status);
        return status;
    }

    private Map<String, Object> awaitSettled(String token, String requestId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> json(as(token).get("/pins/" + requestId), 200),
                s -> Set_of("pinned", "failed").contains(s.get("status")));
    }

    private static java.util.Set<String> Set_of(String... s) {
        return java.util.Set.of(s);
    }

    private void assertFailure(Response response, int status, String reason) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/json");
        PinningSpec.assertFailure(response.jsonPath().getMap(""), reason);
    }

    @Test
    void aPinOfStoredContentGoesFromQueuedToPinned() {
        String cid = uploaded("pin me " + UUID.randomUUID());
        Map<String, Object> queued = add(alice, Map.of("cid", cid, "name", "precious.txt",
                "origins", List.of("/ip4/127.0.0.1/tcp/4001/p2p/QmSourcePeerId"), "meta", Map.of("app_id", "a1")));
        assertThat(queued.get("status")).isEqualTo("queued");
        Map<String, Object> settled = awaitSettled(alice, (String) queued.get("requestid"));
        PinningSpec.assertPinStatus(settled);
        assertThat(settled.get("status")).isEqualTo("pinned");
        assertThat(settled.get("created")).isEqualTo(queued.get("created"));
        assertThat(PinningSpec.map(settled.get("pin"))).containsEntry("cid", cid).containsEntry("name", "precious.txt");
    }

    @Test
    void aPinOfContentNobodyHoldsFailsWithDetails() {
        String absent = Cid.of(1, Cid.RAW, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).toString();
        Map<String, Object> queued = add(alice, Map.of("cid", absent));
        Map<String, Object> settled = awaitSettled(alice, (String) queued.get("requestid"));
        assertThat(settled.get("status")).isEqualTo("failed");
        assertThat(PinningSpec.map(settled.get("info")).get("status_details").toString()).contains(absent);
    }

    @Test
    void listFiltersByCidNameMatchStatusMetaAndPaginatesByCreated() {
        String tag = UUID.randomUUID().toString();
        String one = uploaded("one " + tag);
        String two = uploaded("two " + tag);
        String a = (String) add(bob, Map.of("cid", one, "name", "Report-" + tag, "meta", Map.of("run", tag, "k", "a"))).get("requestid");
        String b = (String) add(bob, Map.of("cid", two, "name", "report-" + tag, "meta", Map.of("run", tag, "k", "b"))).get("requestid");
        String c = (String) add(bob, Map.of("cid", two, "name", "other-" + tag, "meta", Map.of("run", tag))).get("requestid");
        awaitSettled(bob, a);
        awaitSettled(bob, b);
        awaitSettled(bob, c);
        String run = "{\"run\":\"" + tag + "\"}";

        Map<String, Object> all = json(as(bob).queryParam("meta", run).get("/pins"), 200);
        PinningSpec.assertPinResults(all);
        assertThat(all.get("count")).isEqualTo(3);
        assertThat(ids(all)).containsExactly(c, b, a); // newest first

        assertThat(ids(json(as(bob).queryParam("meta", run).queryParam("cid", one).get("/pins"), 200))).containsExactly(a);
        assertThat(ids(json(as(bob).queryParam("meta", run).queryParam("cid", one).queryParam("cid", two).get("/pins"), 200)))
                .containsExactly(c, b, a);
        assertThat(ids(json(as(bob).queryParam("name", "report-" + tag).get("/pins"), 200))).containsExactly(b);
        assertThat(ids(json(as(bob).queryParam("name", "report-" + tag).queryParam("match", "iexact").get("/pins"), 200)))
                .containsExactly(b, a);
        assertThat(ids(json(as(bob).queryParam("name", "report-").queryParam("match", "partial").queryParam("meta", run)
                .get("/pins"), 200))).containsExactly(b);
        assertThat(ids(json(as(bob).queryParam("name", "REPORT-").queryParam("match", "ipartial").queryParam("meta", run)
                .get("/pins"), 200))).containsExactly(b, a);
        assertThat(ids(json(as(bob).queryParam("meta", "{\"run\":\"" + tag + "\",\"k\":\"b\"}").get("/pins"), 200)))
                .containsExactly(b);
        assertThat(ids(json(as(bob).queryParam("meta", run).queryParam("status", "queued", "pinning").get("/pins"), 200)))
                .isEmpty();
        assertThat(ids(json(as(bob).queryParam("meta", run).queryParam("status", "pinned,failed").get("/pins"), 200)))
                .containsExactly(c, b, a);

        Map<String, Object> first = json(as(bob).queryParam("meta", run).queryParam("limit", 2).get("/pins"), 200);
        PinningSpec.assertPinResults(first);
        assertThat(first.get("count")).isEqualTo(3);
        assertThat(ids(first)).containsExactly(c, b);
        String oldest = (String) PinningSpec.map(((List<?>) first.get("results")).get(1)).get("created");
        assertThat(ids(json(as(bob).queryParam("meta", run).queryParam("before", oldest).get("/pins"), 200)))
                .containsExactly(a);
        assertThat(ids(json(as(bob).queryParam("meta", run).queryParam("after", oldest).get("/pins"), 200)))
                .containsExactly(c);
        // Alice sees none of Bob's pins
        assertThat(json(as(alice).queryParam("meta", run).get("/pins"), 200).get("count")).isEqualTo(0);
    }

    @Test
    void withoutFiltersOnlyPinnedRequestsAreListed() {
        String absent = Cid.of(1, Cid.RAW, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).toString();
        String carol = Tokens.tokenFor(cloud.agora.protocol.eth.Address.parse("0x000000000000000000000000000000000000ca01"));
        String failed = (String) add(carol, Map.of("cid", absent)).get("requestid");
        String pinned = (String) add(carol, Map.of("cid", uploaded("carol " + UUID.randomUUID()))).get("requestid");
        awaitSettled(carol, failed);
        awaitSettled(carol, pinned);
        assertThat(ids(json(as(carol).get("/pins"), 200))).containsExactly(pinned);
    }

    @Test
    void replaceGivesANewRequestAndRemovesTheOld() {
        String before = uploaded("v1 " + UUID.randomUUID());
        String after = uploaded("v2 " + UUID.randomUUID());
        String old = (String) add(alice, Map.of("cid", before, "name", "site")).get("requestid");
        awaitSettled(alice, old);
        Map<String, Object> replaced = json(as(alice).body(Map.of("cid", after, "name", "site")).post("/pins/" + old), 202);
        PinningSpec.assertPinStatus(replaced);
        assertThat(replaced.get("requestid")).isNotEqualTo(old);
        assertThat(PinningSpec.map(replaced.get("pin")).get("cid")).isEqualTo(after);
        assertThat(awaitSettled(alice, (String) replaced.get("requestid")).get("status")).isEqualTo("pinned");
        assertFailure(as(alice).get("/pins/" + old), 404, "NOT_FOUND");
    }

    @Test
    void deleteRemovesOnlyTheCallersOwnRequest() {
        String id = (String) add(alice, Map.of("cid", uploaded("delete me " + UUID.randomUUID()))).get("requestid");
        assertFailure(as(bob).get("/pins/" + id), 404, "NOT_FOUND");
        assertFailure(as(bob).delete("/pins/" + id), 404, "NOT_FOUND");
        assertFailure(as(bob).body(Map.of("cid", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")).post("/pins/" + id), 404,
                "NOT_FOUND");
        json(as(alice).get("/pins/" + id), 200);
        Response deleted = as(alice).delete("/pins/" + id);
        assertThat(deleted.statusCode()).isEqualTo(202);
        assertThat(deleted.asByteArray()).isEmpty();
        assertFailure(as(alice).get("/pins/" + id), 404, "NOT_FOUND");
        assertFailure(as(alice).delete("/pins/" + id), 404, "NOT_FOUND");
    }

    @Test
    void missingOrInvalidTokensGetTheSpecsUnauthorizedFailure() {
        assertFailure(given().get("/pins"), 401, "UNAUTHORIZED");
        assertFailure(given().contentType("application/json").body("{\"cid\":\"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\"}")
                .post("/pins"), 401, "UNAUTHORIZED");
        assertFailure(given().auth().oauth2("not-a-token").get("/pins/" + UUID.randomUUID()), 401, "UNAUTHORIZED");
    }

    @Test
    void badRequestsGetTheSpecsFailureAndChangeNothing() {
        String tag = UUID.randomUUID().toString();
        String dave = Tokens.tokenFor(cloud.agora.protocol.eth.Address.parse("0x000000000000000000000000000000000000da7e"));
        List<Response> bad = List.of(
                as(dave).body(Map.of("cid", "not-a-cid", "meta", Map.of("run", tag))).post("/pins"),
                as(dave).body(Map.of("name", "no cid", "meta", Map.of("run", tag))).post("/pins"),
                as(dave).body("{\"cid\": ").post("/pins"),
                as(dave).body(Map.of("cid", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "name", "x".repeat(256)))
                        .post("/pins"),
                as(dave).queryParam("limit", 0).get("/pins"),
                as(dave).queryParam("limit", 1001).get("/pins"),
                as(dave).queryParam("limit", "ten").get("/pins"),
                as(dave).queryParam("status", "lost").get("/pins"),
                as(dave).queryParam("before", "yesterday").get("/pins"),
                as(dave).queryParam("match", "fuzzy").queryParam("name", "x").get("/pins"),
                as(dave).queryParam("meta", "[1,2]").get("/pins"),
                as(dave).queryParam("cid", "QmNope").get("/pins"));
        for (Response response : bad) {
            assertFailure(response, 400, "BAD_REQUEST");
        }
        Map<String, Object> none = json(as(dave).queryParam("status", "queued,pinning,pinned,failed").get("/pins"), 200);
        assertThat(none.get("count")).isEqualTo(0);
        assertFailure(as(dave).get("/pins/" + UUID.randomUUID()), 404, "NOT_FOUND");
        assertFailure(as(dave).get("/pins/not-a-uuid"), 404, "NOT_FOUND");
    }

    private static List<String> ids(Map<String, Object> results) {
        return ((List<?>) results.get("results")).stream().map(r -> (String) PinningSpec.map(r).get("requestid")).toList();
    }
}
