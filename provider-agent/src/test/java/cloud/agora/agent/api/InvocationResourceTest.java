package cloud.agora.agent.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import cloud.agora.protocol.usage.UsageEvents;
import cloud.agora.agent.bundle.BundleServer;
import cloud.agora.agent.bundle.TarGz;
import cloud.agora.oci.ImageArchive;
import cloud.agora.oci.LayerTar;
import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.journal.ReceiptShipper;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.market.MarketEvents;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.testsupport.PrometheusText;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/invocations} on real runc: calls run only with the functions gateway's grant for exactly that
 * call, once; every refusal is a problem and leaves nothing run or journaled.
 */
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class InvocationResourceTest {

    static final Address OWNER = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    static final Address PROVIDER = Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    @Inject
    LeaseReconciler reconciler;
    @Inject
    ReceiptJournal journal;
    @Inject
    ReceiptShipper shipper;

    @TestHTTPResource("/api/v1/invocations")
    URL invocations;

    UUID leaseId;
    UUID otherLeaseId;
    String bundle;

    @BeforeEach
    void holdTwoLeasesAndABundle() throws Exception {
        leaseId = hold(OWNER);
        otherLeaseId = hold(OWNER);
        bundle = AgentTestResource.storage.publish(new TarGz()
                .file("handler.sh", "printf '%s %s:' \"$AGORA_METHOD\" \"$HTTP_X_NAME\"; cat\n")
                .file("fail.sh", "exit 7\n")
                .file("env.sh", "printf '%s|%s|%s' \"${COLOR:-unset}\" \"$AGORA_METHOD\" \"$HTTP_X_NAME\"; echo \"warned $COLOR\" >&2\n")
                .file("gate.sh", "while [ ! -e /function/release ]; do sleep 0.05; done; printf ran\n")
                .file("www/cgi-bin/hello", ("#!/bin/sh\nprintf 'Status: 202 Accepted\\r\\nX-Method: %s %s %s\\r\\n\\r\\n'"
                        + " \"$REQUEST_METHOD\" \"$QUERY_STRING\" \"$COLOR\"; printf 'hello '; head -c \"$CONTENT_LENGTH\"\n")
                        .getBytes(StandardCharsets.UTF_8), 0755)
                .file("unique-" + UUID.randomUUID(), "so that each test has a bundle of its own\n")
                .bytes(), 1);
    }

    UUID hold(Address owner) {
        UUID id = UUID.randomUUID();
        reconciler.apply(new Marketplace.LeaseEvent(MarketEvents.LEASE_CREATED, new LeaseView(id, UUID.randomUUID(), owner,
                PROVIDER, "http://localhost:8090", BidKind.COMPUTE, new Resources(500, 64, 0),
                new Prices(Wei.of(1), Wei.of(1), Wei.of(1), Wei.ZERO), LeaseState.ACTIVE, Instant.now(), null, null, null)));
        return id;
    }

    /** The trusted functions gateway's grant for a call of {@link #bundle} on {@link #leaseId}, valid now. */
    InvocationGrant grant(UUID invocationId) {
        return InvocationGrant.unsigned(invocationId, leaseId, PROVIDER, OWNER, bundle, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
    }

    InvocationCall call(InvocationGrant grant, UUID invocationId, String script) {
        return new InvocationCall(grant, invocationId, leaseId, null, bundle, List.of("/bin/sh", "/function/" + script), "PUT",
                "/greet", "", Map.of("X-Name", "ada"), "payload".getBytes(StandardCharsets.UTF_8), null, null);
    }

    InvocationCall call(UUID invocationId, String script) {
        return call(grant(invocationId), invocationId, script);
    }

    static Response send(InvocationCall call) {
        return given().contentType(ContentType.JSON).body(JsonCodec.write(call)).post("/api/v1/invocations");
    }

    static ValidatableResponse refused(InvocationCall call, int status, String slug) {
        return send(call).then().statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:" + slug));
    }

    /** Asserts that {@code invocationId} did not run: no receipt, and the journal holds as many receipts as before. */
    void assertNothingRan(UUID invocationId, long receiptsBefore) {
        assertThat(journal.get(invocationId)).isNull();
        assertThat(journal.counts().receipts()).isEqualTo(receiptsBefore);
    }

    static String decode(Response response) {
        return new String(java.util.Base64.getDecoder().decode(response.path("body").toString()), StandardCharsets.UTF_8);
    }

    // --- authorized calls

    @Test
    void aGrantedCallRunsAndItsSignedJournaledReceiptCarriesTheGrant() {
        UUID id = UUID.randomUUID();
        InvocationGrant grant = grant(id);
        Response response = send(call(grant, id, "handler.sh"));
        response.then().statusCode(200).body("status", equalTo("OK")).body("receipt.cpuNanos", greaterThan(0));

        assertThat(decode(response)).isEqualTo("PUT ada:payload");
        UsageReceipt receipt = JsonCodec.read(JsonCodec.write(response.jsonPath().getMap("receipt")), UsageReceipt.class);
        receipt.verifyProviderSignature();
        assertThat(receipt.provider()).isEqualTo(PROVIDER);
        assertThat(receipt.consumer()).isEqualTo(OWNER);
        assertThat(receipt.bytesIn()).isEqualTo(7);
        assertThat(receipt.grant()).isEqualTo(grant);
        assertThat(receipt.grant().signer()).isEqualTo(PersonalSignature.addressOf(AgentTestResource.FUNCTIONS_GATEWAY));
        assertThat(journal.get(id)).isEqualTo(receipt);

        shipper.shipPending();
        var records = TopicReader.readUntil(Topics.USAGE_RECEIPTS,
                recs -> recs.stream().anyMatch(r -> r.value().contains(id.toString())), Duration.ofSeconds(20));
        // in an attested batch, keyed by the provider
        assertThat(records).anyMatch(r -> r.value().contains("\"" + UsageEvents.RECEIPT_BATCH + "\"") && r.value().contains(id.toString()));
    }

    @Test
    void passesTheFunctionEnvironmentAndReturnsItsStderrWithoutLeakingIntoTheNextWarmCall() {
        UUID first = UUID.randomUUID();
        InvocationCall withEnv = call(first, "env.sh");
        withEnv = new InvocationCall(withEnv.grant(), first, leaseId, null, bundle, withEnv.command(), "PUT", "/", "",
                Map.of("X-Name", "ada"), new byte[0], null, Map.of("COLOR", "blue", "HTTP_X_NAME", "overridden by the header"));
        Response one = send(withEnv);
        one.then().statusCode(200).body("status", equalTo("OK")).body("stderr", equalTo("warned blue\n"))
                .body("stderrTruncated", equalTo(false));
        assertThat(decode(one)).isEqualTo("blue|PUT|ada");

        Response two = send(call(UUID.randomUUID(), "env.sh"));
        two.then().statusCode(200).body("warm", equalTo(true)).body("stderr", equalTo("warned \n"));
        assertThat(decode(two)).isEqualTo("unset|PUT|ada");
    }

    @Test
    void anHttpModeCallReachesTheFunctionsServerAndReturnsItsStatusHeadersAndBody() {
        for (int i = 0; i < 2; i++) {
            UUID id = UUID.randomUUID();
            InvocationCall c = call(id, "handler.sh");
            // busybox's own web server, running the bundle's CGI script per request
            Response response = send(new InvocationCall(c.grant(), id, leaseId, null, bundle,
                    List.of("httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/function/www"), "POST", "/cgi-bin/hello", "q=" + i,
                    Map.of("X-Name", "ada"), ("call" + i).getBytes(StandardCharsets.UTF_8), null, Map.of("COLOR", "blue"),
                    "http"));
            response.then().statusCode(200).body("status", equalTo("OK")).body("httpStatus", equalTo(202))
                    .body("headers.x-method[0]", equalTo("POST q=" + i + " blue")).body("warm", equalTo(i == 1));
            assertThat(decode(response)).isEqualTo("hello call" + i);
            assertThat(journal.get(id)).isNotNull();
        }
    }

    @Test
    void anImageFunctionServesFromItsOwnRootWithItsImagesEntrypointAndEnvironment() throws Exception {
        // an image made without any registry: busybox (a static binary) and a CGI script, busybox's web server its entrypoint
        String image = AgentTestResource.storage.publish(ImageArchive.oci().gzip(true)
                .layer(new LayerTar().dir("bin").file("bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755))
                .layer(new LayerTar().dir("www").dir("www/cgi-bin").file("www/cgi-bin/hello", ("#!/bin/busybox sh\n"
                        + "printf 'Content-Type: text/plain\\r\\n\\r\\n'; printf '%s %s %s ' \"$GREETING\" \"$COLOR\" \"$(pwd)\";"
                        + " /bin/busybox head -c \"$CONTENT_LENGTH\"\n").getBytes(StandardCharsets.UTF_8), 0755))
                .entrypoint("/bin/busybox", "httpd", "-f").cmd("-p", "8080", "-h", "/www").env("GREETING=hi")
                .workingDir("/www").bytes(), 1);
        UUID id = UUID.randomUUID();
        InvocationGrant grant = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, image, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        Response response = send(new InvocationCall(grant, id, leaseId, "image", image, List.of(), "POST", "/cgi-bin/hello",
                "", Map.of(), "from the image".getBytes(StandardCharsets.UTF_8), null, Map.of("COLOR", "blue"), "http"));
        response.then().statusCode(200).body("status", equalTo("OK")).body("httpStatus", equalTo(200));
        assertThat(decode(response)).isEqualTo("hi blue /www/cgi-bin from the image");
        assertThat(journal.get(id)).isNotNull();

        long before = journal.counts().receipts();
        UUID exec = UUID.randomUUID();
        InvocationGrant execGrant = InvocationGrant.unsigned(exec, leaseId, PROVIDER, OWNER, image, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(new InvocationCall(execGrant, exec, leaseId, "image", image, List.of(), "POST", "/", "", Map.of(),
                new byte[0], null, null, "exec"), 400, "invalid-invocation");
        assertNothingRan(exec, before);
    }

    /**
     * With the journal's file system short of space (a 64 KiB tmpfs mounted over the journal's directory, which is what
     * the agent measures) a granted call is refused with 507 before anything runs or is claimed: once space is back the
     * same grant runs.
     */
    @Test
    void aJournalShortOfSpaceRefusesTheCallBeforeAnythingRunsOrIsClaimed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "root, to mount a tmpfs");
        Path journalDir = AgentTestResource.dataDir.resolve("journal");
        UUID id = UUID.randomUUID();
        InvocationCall call = call(id, "handler.sh");
        long before = journal.counts().receipts();
        org.junit.jupiter.api.Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", journalDir.toString()) == 0,
                "a tmpfs can be mounted");
        try {
            refused(call, 507, "journal-full");
            assertNothingRan(id, before);
        } finally {
            assertThat(run("umount", journalDir.toString())).isZero();
        }
        send(call).then().statusCode(200);
        assertThat(journal.get(id)).isNotNull();
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void refusesAnUnknownModeAndRunsNothing() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        InvocationCall c = call(id, "handler.sh");
        refused(new InvocationCall(c.grant(), id, leaseId, null, bundle, c.command(), "PUT", "/", "", Map.of(), new byte[0],
                null, null, "websocket"), 400, "invalid-invocation");
        assertNothingRan(id, before);
    }

    @Test
    void refusesPlatformVariablesInTheFunctionEnvironmentAndRunsNothing() {
        long before = journal.counts().receipts();
        for (Map<String, String> env : List.of(Map.of("AGORA_METHOD", "GET"), Map.of("AGORA_ANYTHING", "x"),
                Map.of("NOT-A-NAME", "x"), Map.of("NUL", "a\u0000b"))) {
            UUID id = UUID.randomUUID();
            InvocationCall c = call(id, "env.sh");
            refused(new InvocationCall(c.grant(), id, leaseId, null, bundle, c.command(), "PUT", "/", "", Map.of(), new byte[0],
                    null, env), 400, "invalid-invocation");
            assertNothingRan(id, before);
        }
    }

    @Test
    void functionErrorsAreResultsAndStillBilled() {
        UUID id = UUID.randomUUID();
        send(call(id, "fail.sh")).then().statusCode(200).body("status", equalTo("FUNCTION_ERROR")).body("exitCode", equalTo(7));
        assertThat(journal.get(id)).isNotNull();
    }

    @Test
    void everyCallIsCountedOnTheAgentsMetricsByLeaseAndOutcomeWithItsDurationColdStartsAndRefusals() {
        double refusedBefore = sample(metrics(), "agora_agent_calls_refused_total", "problem=\"grant-missing\"");
        List<Boolean> warm = new ArrayList<>();
        for (String script : List.of("handler.sh", "handler.sh", "fail.sh")) {
            warm.add(send(call(UUID.randomUUID(), script)).then().statusCode(200).extract().path("warm"));
        }
        refused(call(null, UUID.randomUUID(), "handler.sh"), 401, "grant-missing");
        // the first call starts a container, the second is served by it (another command may start its own)
        assertThat(warm.subList(0, 2)).containsExactly(false, true);
        long cold = warm.stream().filter(w -> !w).count();

        String metrics = metrics();
        String lease = "lease=\"" + leaseId + "\"";
        assertThat(sample(metrics, "agora_agent_calls_total", lease + ",outcome=\"ok\"")).isEqualTo(2);
        assertThat(sample(metrics, "agora_agent_calls_total", lease + ",outcome=\"function_error\"")).isEqualTo(1);
        assertThat(sample(metrics, "agora_agent_call_duration_seconds_count", lease)).isEqualTo(3);
        assertThat(sample(metrics, "agora_agent_cold_starts_total", lease)).isEqualTo(cold);
        assertThat(sample(metrics, "agora_agent_cold_start_duration_seconds_count", lease)).isEqualTo(cold);
        assertThat(sample(metrics, "agora_agent_calls_refused_total", "problem=\"grant-missing\""))
                .isEqualTo(refusedBefore + 1);
        assertThat(sample(metrics, "agora_agent_leases", "")).isGreaterThanOrEqualTo(2);
        ReceiptJournal.Counts counts = journal.counts();
        assertThat(sample(metrics, "agora_agent_receipts", "")).isEqualTo(counts.receipts());
        assertThat(sample(metrics, "agora_agent_receipts_pending", "")).isEqualTo(counts.unshipped());
    }

    static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The one sample of {@code metric} whose labels contain {@code labels} (0 when there is none yet). */
    static double sample(String metrics, String metric, String labels) {
        List<Double> samples = PrometheusText.samples(metrics, metric, labels);
        assertThat(samples).as(metric + " " + labels).hasSizeLessThanOrEqualTo(1);
        return samples.isEmpty() ? 0 : samples.get(0);
    }

    @Test
    void aShorterCallTimeoutThanTheGrantsIsAccepted() {
        UUID id = UUID.randomUUID();
        InvocationCall c = call(id, "handler.sh");
        send(new InvocationCall(c.grant(), id, leaseId, null, bundle, c.command(), "PUT", "/", "", Map.of(), new byte[0], 5_000L,
                null)).then().statusCode(200).body("status", equalTo("OK"));
        assertThat(journal.get(id)).isNotNull();
    }

    @Test
    void refusesAGrantedCallOnALeaseItDoesNotHoldAndAnUnknownBundle() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        UUID unheld = UUID.randomUUID();
        InvocationGrant forUnheld = InvocationGrant.unsigned(id, unheld, PROVIDER, OWNER, bundle, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        InvocationCall c = call(forUnheld, id, "handler.sh");
        refused(new InvocationCall(forUnheld, id, unheld, null, bundle, c.command(), "PUT", "/", "", Map.of(), new byte[0], null,
                null), 404, "lease-not-held");

        for (String unknown : List.of("../etc", BundleServer.cidOf("never uploaded".getBytes(StandardCharsets.UTF_8), 1))) {
            UUID other = UUID.randomUUID();
            InvocationGrant g = InvocationGrant.unsigned(other, leaseId, PROVIDER, OWNER, unknown, 10_000, Instant.now(),
                    Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
            refused(new InvocationCall(g, other, leaseId, null, unknown, c.command(), "PUT", "/", "", Map.of(), new byte[0], null,
                    null), 422, "bundle-not-available");
            assertNothingRan(other, before);
        }
        assertNothingRan(id, before);
    }

    @Test
    void refusesABundleWhoseBytesDoNotHashToItsCid() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        String claimed = BundleServer.cidOf(new TarGz().file("handler.sh", "echo genuine").bytes(), 1);
        AgentTestResource.storage.serve(claimed, new TarGz().file("handler.sh", "echo tampered").bytes());
        InvocationGrant g = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, claimed, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(new InvocationCall(g, id, leaseId, null, claimed, List.of("/bin/sh", "/function/handler.sh"), "PUT", "/", "",
                Map.of(), new byte[0], null, null), 502, "bundle-corrupt");
        assertThat(Files.exists(AgentTestResource.dataDir.resolve("bundles").resolve(claimed))).isFalse();
        assertNothingRan(id, before);
    }

    @Test
    void inventoryIsPublicAndShowsOnlyCapacity() {
        given().get("/api/v1/inventory").then().statusCode(200).body("cores", greaterThan(0))
                .body("drivers[0]", equalTo("runc")).body("runtimes", org.hamcrest.Matchers.contains("shell", "jvm", "image"))
                .body("leased.cpuMillis", greaterThan(0));
        assertThat(given().get("/api/v1/inventory").asString()).doesNotContain(leaseId.toString())
                .doesNotContain(OWNER.value()).doesNotContain(OWNER.checksummed());
    }

    // --- attacks: each is refused with its problem, and nothing runs or is journaled

    @Test
    void aCallWithoutAGrantRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        refused(call(null, id, "handler.sh"), 401, "grant-missing");
        assertNothingRan(id, before);
    }

    @Test
    void aForgedGrantRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        InvocationGrant forged = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, bundle, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FORGER);
        refused(call(forged, id, "handler.sh"), 403, "grant-forged");
        assertNothingRan(id, before);
    }

    @Test
    void aGrantAlteredAfterSigningRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        InvocationGrant genuine = grant(id);
        InvocationGrant longer = new InvocationGrant(id, leaseId, PROVIDER, OWNER, bundle, 300_000, genuine.issuedAt(),
                genuine.expiresAt(), genuine.signature());
        refused(call(longer, id, "handler.sh"), 403, "grant-forged");
        InvocationGrant unsigned = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, bundle, 10_000, Instant.now(),
                Duration.ofSeconds(30));
        refused(call(unsigned, id, "handler.sh"), 403, "grant-forged");
        assertNothingRan(id, before);
    }

    @Test
    void anExpiredGrantRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        // expired 31 s ago: beyond the 30 s of tolerated clock skew
        InvocationGrant expired = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, bundle, 10_000,
                Instant.now().minusSeconds(61), Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(call(expired, id, "handler.sh"), 403, "grant-expired");
        assertNothingRan(id, before);
    }

    @Test
    void aGrantIssuedInTheFutureRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        InvocationGrant early = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, bundle, 10_000,
                Instant.now().plusSeconds(120), Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(call(early, id, "handler.sh"), 403, "grant-not-yet-valid");
        assertNothingRan(id, before);
    }

    @Test
    void aGrantForAnotherProviderRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        InvocationGrant elsewhere = InvocationGrant.unsigned(id, leaseId, PersonalSignature.addressOf(AgentTestResource.FORGER),
                OWNER, bundle, 10_000, Instant.now(), Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(call(elsewhere, id, "handler.sh"), 403, "grant-other-provider");
        assertNothingRan(id, before);
    }

    @Test
    void aGrantForAnotherLeaseRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        // a genuine grant for the developer's other lease here, presented with a call on this lease
        InvocationGrant forOther = InvocationGrant.unsigned(id, otherLeaseId, PROVIDER, OWNER, bundle, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(call(forOther, id, "handler.sh"), 403, "grant-mismatch");
        assertNothingRan(id, before);
    }

    @Test
    void aGrantForAnotherBundleRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        String otherBundle = AgentTestResource.storage.publish(new TarGz().file("handler.sh", "echo other\n").bytes(), 1);
        InvocationGrant forOther = InvocationGrant.unsigned(id, leaseId, PROVIDER, OWNER, otherBundle, 10_000, Instant.now(),
                Duration.ofSeconds(30)).signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(call(forOther, id, "handler.sh"), 403, "grant-mismatch");
        assertNothingRan(id, before);
    }

    @Test
    void aGrantForAnotherInvocationConsumerOrALongerTimeoutRunsNothingAndIsRefused() {
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        refused(call(grant(UUID.randomUUID()), id, "handler.sh"), 403, "grant-mismatch");
        InvocationGrant otherConsumer = InvocationGrant.unsigned(id, leaseId, PROVIDER,
                PersonalSignature.addressOf(AgentTestResource.FORGER), bundle, 10_000, Instant.now(), Duration.ofSeconds(30))
                .signedBy(AgentTestResource.FUNCTIONS_GATEWAY);
        refused(call(otherConsumer, id, "handler.sh"), 403, "grant-mismatch");
        InvocationCall c = call(id, "handler.sh");
        refused(new InvocationCall(c.grant(), id, leaseId, null, bundle, c.command(), "PUT", "/", "", Map.of(), new byte[0],
                10_001L, null), 403, "grant-mismatch");
        assertNothingRan(id, before);
        // none of the refusals used the id up: the genuine call still runs
        send(c).then().statusCode(200);
    }

    @Test
    void aReplayedGrantRunsNothingTheSecondTime() {
        UUID id = UUID.randomUUID();
        InvocationCall once = call(id, "handler.sh");
        send(once).then().statusCode(200);
        UsageReceipt first = journal.get(id);
        long after = journal.counts().receipts();

        refused(once, 409, "invocation-already-run");
        // nor does a fresh grant for the same invocation id run it again
        refused(call(id, "handler.sh"), 409, "invocation-already-run");
        assertThat(journal.get(id)).isEqualTo(first);
        assertThat(journal.counts().receipts()).isEqualTo(after);
    }

    @Test
    void twoConcurrentCallsWithOneInvocationIdRunExactlyOnce() throws Exception {
        // the bundle is fetched first, so that the release file can be put into it
        send(call(UUID.randomUUID(), "handler.sh")).then().statusCode(200);
        long before = journal.counts().receipts();
        UUID id = UUID.randomUUID();
        String body = JsonCodec.write(call(id, "gate.sh"));
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(invocations.toURI()).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build();

        CompletableFuture<HttpResponse<String>> a = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> b = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        // the function waits for the release file, so a call that was admitted cannot answer before it exists:
        // the first answer must be the refusal of the duplicate
        try {
            CompletableFuture.anyOf(a, b).get(30, TimeUnit.SECONDS);
        } catch (TimeoutException bothAdmitted) {
            // both are running: release them, the assertions below fail
        }
        Files.writeString(AgentTestResource.dataDir.resolve("bundles").resolve(bundle).resolve("release"), "go");
        List<HttpResponse<String>> answers = List.of(a.get(60, TimeUnit.SECONDS), b.get(60, TimeUnit.SECONDS));

        assertThat(answers).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 409);
        HttpResponse<String> refusal = answers.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow();
        assertThat(refusal.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(JsonCodec.read(refusal.body(), Map.class).get("type")).isEqualTo("urn:agora:problem:grant-replayed");
        HttpResponse<String> ran = answers.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
        assertThat(JsonCodec.read(ran.body(), Map.class).get("status")).isEqualTo("OK");
        assertThat(journal.counts().receipts()).isEqualTo(before + 1);
        assertThat(journal.get(id)).isNotNull();
    }
}
