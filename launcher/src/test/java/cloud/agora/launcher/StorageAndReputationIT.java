package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.CHAIN;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.STORAGE;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real provider agents on trial, with the real marketplace, storage gateway and functions gateway.
 *
 * <p>Storage: a pin with replication 2 is refused until the developer pays for storage (deposits and authorizes
 * billing's delegate), then placed on two agents; one block on one agent's disk is damaged; the storage gateway's
 * audit catches it, closes that lease and repairs it under a new lease from a healthy copy, so two healthy copies
 * exist again.
 *
 * <p>Reputation: that agent's provider failed an audit; of the other two, one now fails every call on its side and one
 * answers every call 2.5 s late (each behind a {@link FaultyEndpoint} it advertises). Each serves a function of its
 * own. Their reputation at the marketplace orders them by the evidence — the audited one above the slow one above the
 * failing one — every figure matches the counts it cites (the score recomputed here from them), and a bid asking
 * for a minimum score avoids the failing provider and, resting, says why.
 */
class StorageAndReputationIT {

    static final List<String> AGENTS = List.of("provider-agent", "provider-agent-2", "provider-agent-3");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failure keeps the platform's logs
    Path state;

    @Test
    void aCorruptedReplicaIsCaughtByTheAuditAndRepaired() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state, "--agents", "3")
                .withEnv("AGORA_STORAGE_AUDIT_INTERVAL", "2s")
                // the agents keep their usual compute prices: a STORAGE bid is priced on GiB-months only
                .withEnv("AGENT_MARKETPLACE_HEARTBEAT_INTERVAL", "2s")
                // storage is sold (1,000 wei per GiB-millisecond) and charged in 5-second periods, so a replica's
                // held storage reaches a voucher within the test
                .withEnv("AGENT_PRICES_PER_GIB_MONTH", "2592000000000")
                .withEnv("AGORA_BILLING_STORAGE_PERIOD", "PT5S")
                .withEnv("AGORA_STORAGE_PERIOD", "PT5S")
                // what the gateway saw of the calls reaches the marketplace within a second, and its book follows
                .withEnv("AGORA_FUNCTIONS_OBSERVATION_INTERVAL", "1s")
                .withEnv("AGORA_MARKET_REPUTATION_REFRESH_INTERVAL", "1s")
                .withEnv("AGORA_MARKET_REPUTATION_OVERHEAD_TARGET", "1s")
                // a provider that does not answer a dispute within 5 s has it decided without its answer
                .withEnv("AGORA_BILLING_DISPUTES_ANSWER_WINDOW", "PT5S")
                .withEnv("AGORA_BILLING_DISPUTES_INTERVAL", "1s")
                .start()) {
            for (String key : List.of("provider", "provider-2", "provider-3")) {
                String provider = Platform.address(state, key);
                await("agent " + key + " in the market", Duration.ofSeconds(60),
                        () -> PlatformCalls.getOrNull(MARKET + "/api/v1/providers/" + provider, null),
                        o -> o.path("available").asBoolean(false));
            }
            String token = signIn(STORAGE, KeyFiles.read(state.resolve("keys/developer.key")));

            // 600 KiB: three 256 KiB chunks and a root, so four blocks per replica
            byte[] data = new byte[600 * 1024];
            new Random(5).nextBytes(data);
            HttpResponse<String> uploaded = PlatformCalls.HTTP.send(HttpRequest.newBuilder(URI.create(STORAGE + "/api/v1/objects"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(uploaded.statusCode()).as(uploaded.body()).isBetween(200, 201);
            String cid = JsonCodec.mapper().readTree(uploaded.body()).get("cid").asText();

            // replicas are paid storage: refused (the Pinning Service API's INSUFFICIENT_FUNDS) while billing collects
            // nothing from the developer, and nothing is bought
            Map<String, Object> pin = Map.of("cid", cid, "name", "replicated", "meta", Map.of("replication", "2"));
            HttpResponse<String> unpaid = PlatformCalls.send("POST", STORAGE + "/pins", token, pin);
            assertThat(unpaid.statusCode()).as(unpaid.body()).isEqualTo(409);
            assertThat(unpaid.body()).contains("INSUFFICIENT_FUNDS", "not-authorized");
            assertThat(call("GET", STORAGE + "/pins?status=queued,pinning,pinned,failed", token, null).get("count").asInt())
                    .isZero();
            // the developer deposits and lets billing collect
            try (Chain chain = Chain.connect(ChainSettings.local(CHAIN, 31337))) {
                Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
                Escrow escrow = chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()));
                escrow.deposit(developer, Wei.parse("1000000000000000000"));
                escrow.authorize(developer, Address.parse(Platform.address(state, "billing-delegate")),
                        Wei.parse("500000000000000000"));
            }

            JsonNode request = call("POST", STORAGE + "/pins", token, pin);
            String requestId = request.get("requestid").asText();
            JsonNode pinned = await("pin " + requestId + " pinned", Duration.ofSeconds(90),
                    () -> call("GET", STORAGE + "/pins/" + requestId, token, null),
                    p -> List.of("pinned", "failed").contains(p.get("status").asText()));
            assertThat(pinned.get("status").asText()).as("%s", pinned).isEqualTo("pinned");

            // the replicas are the storage gateway's active leases: exactly two, on two agents, each folder holding
            // all four verified blocks (a replica closed after a failed transfer may leave a folder behind until its
            // agent cleans it up: it is not a replica, and is reported)
            String storageToken = signIn(MARKET, KeyFiles.read(state.resolve("keys/storage.key")));
            // the developer pays for the replicas: the storage leases are the developer's, brokered by the gateway
            String ownerToken = signIn(MARKET, KeyFiles.read(state.resolve("keys/developer.key")));
            List<Path> holders = replicaFolders(ownerToken);
            assertThat(holders).as("one replica on each of two agents").hasSize(2);
            assertThat(holders.stream().map(dir -> dir.getParent().getParent()).distinct()).hasSize(2);
            assertThat(holders).allSatisfy(dir -> assertThat(healthyBlocks(dir)).isEqualTo(4));
            List<Path> others = AGENTS.stream().map(this::leaseDirs).flatMap(List::stream).filter(dir -> !holders.contains(dir)).toList();
            if (!others.isEmpty()) {
                System.out.println("lease folders that are not replicas (closed leases not yet cleaned up): " + others);
            }
            Path damaged = holders.get(0);
            Path healthy = holders.get(1);

            // the held storage is paid: the periods the gateway witnessed after passing audits reach a voucher of the
            // healthy replica's provider, charged to the developer
            String healthyAgent = healthy.getParent().getParent().getFileName().toString();
            String providerBilling = signIn(BILLING, KeyFiles.read(state.resolve("keys/"
                    + healthyAgent.replace("provider-agent", "provider") + ".key")));
            String developerAddress = Platform.address(state, "developer");
            JsonNode vouchers = await("a voucher for the healthy replica's storage periods", Duration.ofSeconds(120),
                    () -> call("GET", BILLING + "/api/v1/vouchers?provider=" + Platform.address(state,
                            healthyAgent.replace("provider-agent", "provider")) + "&consumer=" + developerAddress,
                            providerBilling, null),
                    l -> l.size() >= 1 && l.get(0).get("receipts").asLong() >= 1);
            assertThat(vouchers.get(0).get("voucher").get("voucher").get("consumer").asText()).isEqualToIgnoringCase(developerAddress);
            String damagedLease = damaged.getFileName().toString();
            String damagedAgent = damaged.getParent().getParent().getFileName().toString();

            // flip one bit of one block on that agent's disk
            Path block;
            try (Stream<Path> files = Files.list(damaged)) {
                block = files.sorted().findFirst().orElseThrow();
            }
            byte[] bytes = Files.readAllBytes(block);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(block, bytes);

            // the audit catches it: that lease is closed in the marketplace
            await("the damaged replica's lease closed by the audit", Duration.ofSeconds(120),
                    () -> call("GET", MARKET + "/api/v1/leases/" + damagedLease, storageToken, null),
                    l -> "CLOSED".equals(l.get("state").asText()));

            // repair: two healthy copies again — the untouched one and a new lease holding all four verified blocks
            PlatformCalls.await("a second verified copy under a new lease", Duration.ofSeconds(120),
                    () -> replicaFolders(ownerToken).stream()
                            .filter(dir -> !dir.getFileName().toString().equals(damagedLease))
                            .filter(dir -> healthyBlocks(dir) == 4).count() == 2);
            assertThat(healthyBlocks(healthy)).isEqualTo(4);
            assertThat(call("GET", STORAGE + "/pins/" + requestId, token, null).get("status").asText()).isEqualTo("pinned");

            reputationFollowsTheEvidence(platform, damagedAgent);
        }
    }

    /** The agents' calls in the reputation part: every one fails, every one 2.5 s late, every one well. */
    static final long FAILING_CALLS = 10;
    static final long SLOW_CALLS = 4;
    static final long AUDITED_CALLS = 5;

    /**
     * The reputation part: {@code auditFailed} is the agent whose replica failed its audit; the other two are
     * restarted behind a failing and a slow endpoint, each serves calls of a function of its own, and their reputation
     * and matching are checked.
     */
    private void reputationFollowsTheEvidence(LocalPlatform platform, String auditFailed) throws Exception {
        List<String> others = AGENTS.stream().filter(a -> !a.equals(auditFailed)).toList();
        String failingAgent = others.get(0);
        String slowAgent = others.get(1);
        Map<String, String> providers = new java.util.LinkedHashMap<>();
        for (String agent : AGENTS) {
            providers.put(agent, Platform.address(state, agent.replace("provider-agent", "provider")));
        }
        List<PartProcess> restarted = new java.util.ArrayList<>();
        try (FaultyEndpoint failing = FaultyEndpoint.failing(18190, agentUrl(failingAgent));
                FaultyEndpoint slow = FaultyEndpoint.slow(18191, agentUrl(slowAgent), Duration.ofMillis(2500))) {
            for (Map.Entry<String, FaultyEndpoint> behind : Map.of(failingAgent, failing, slowAgent, slow).entrySet()) {
                PartProcess agent = PartProcess.of(behind.getKey(), platform.pid(behind.getKey()),
                        state.resolve("logs/" + behind.getKey() + "-behind-proxy.log"))
                        .with(Map.of("AGENT_ENDPOINT", behind.getValue().url()), List.of());
                agent.terminate();
                agent.start();
                restarted.add(agent);
            }
            for (PartProcess agent : restarted) {
                agent.awaitReady(agentUrl(agent.name()));
            }
            for (Map.Entry<String, FaultyEndpoint> behind : Map.of(failingAgent, failing, slowAgent, slow).entrySet()) {
                String endpoint = behind.getValue().url();
                await(behind.getKey() + " in the market at " + endpoint, Duration.ofSeconds(90),
                        () -> PlatformCalls.getOrNull(MARKET + "/api/v1/providers/" + providers.get(behind.getKey()), null),
                        o -> o.path("available").asBoolean(false) && endpoint.equals(o.path("endpoint").asText()));
            }

            Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
            String token = signIn(PlatformCalls.FUNCTIONS, developer.key());
            FunctionCalls.fund(state, developer);
            byte[] echo = FunctionCalls.echoBundle(Files.createDirectories(state.resolve("work")));
            Map<String, Long> callsOf = Map.of(failingAgent, FAILING_CALLS, slowAgent, SLOW_CALLS, auditFailed,
                    AUDITED_CALLS);
            for (String agent : AGENTS) {
                // a function of its own on each provider: its bid avoids the other two
                String function = "trial-" + agent;
                FunctionCalls.publish(token, Map.of("name", function, "runtime", "shell", "entrypoint", "handler.sh",
                        "memoryMiB", 64, "cpuMillis", 100, "timeoutMillis", 10_000), echo);
                List<String> avoid = providers.entrySet().stream().filter(e -> !e.getKey().equals(agent))
                        .map(Map.Entry::getValue).toList();
                JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, function, 1, Map.of("avoidProviders", avoid));
                assertThat(deployment.get("placed").get(0).get("provider").asText())
                        .isEqualToIgnoringCase(providers.get(agent));
                for (int i = 0; i < callsOf.get(agent); i++) {
                    HttpResponse<String> answer = FunctionCalls.invoke(function, "call " + i);
                    assertThat(answer.statusCode()).as("%s: %s", agent, answer.body())
                            .isEqualTo(agent.equals(failingAgent) ? 502 : 200);
                }
            }
            assertThat((long) failing.calls.get()).as("calls that reached the failing provider").isEqualTo(FAILING_CALLS);

            // every call the gateway sent reached the marketplace as evidence, and each figure is the counts it cites
            Map<String, JsonNode> reputation = new java.util.LinkedHashMap<>();
            for (String agent : AGENTS) {
                JsonNode view = await("the calls of " + agent + " in its reputation", Duration.ofSeconds(60),
                        () -> call("GET", MARKET + "/api/v1/providers/" + providers.get(agent) + "/reputation", null, null),
                        v -> v.path("calls").path("total").asLong() >= callsOf.get(agent));
                assertThat(view.get("calls").get("total").asLong()).as(agent).isEqualTo(callsOf.get(agent));
                assertThat(view.get("score").asInt()).as("%s's score from the counts it cites: %s", agent, view)
                        .isEqualTo(IndependentScore.of(view));
                assertThat(view.get("formula").asText()).endsWith("= " + view.get("score").asInt());
                reputation.put(agent, view);
            }
            reputation.forEach((agent, view) -> System.out.printf("reputation of %s (%s): %d, %s%n", agent,
                    agent.equals(failingAgent) ? "failing" : agent.equals(slowAgent) ? "slow" : "failed an audit",
                    view.get("score").asInt(), view.get("formula").asText()));
            JsonNode failed = reputation.get(failingAgent);
            assertThat(failed.get("calls").get("agentErrors").asLong()).isEqualTo(FAILING_CALLS);
            assertThat(failed.get("calls").get("failureRate").asDouble()).isEqualTo(1.0);
            assertThat(failed.get("score").asInt()).isZero();
            JsonNode late = reputation.get(slowAgent);
            assertThat(late.get("calls").get("answered").asLong()).isEqualTo(SLOW_CALLS);
            assertThat(late.get("latency").get("overheadP95Millis").asLong()).as("%s", late).isEqualTo(5000L);
            JsonNode audited = reputation.get(auditFailed);
            assertThat(audited.get("calls").get("answered").asLong()).isEqualTo(AUDITED_CALLS);
            assertThat(audited.get("audits").get("failed").asLong()).as("%s", audited).isEqualTo(1L);
            assertThat(audited.get("audits").get("passed").asLong()).as("%s", audited).isPositive();
            assertThat(audited.get("leasesEnded").get("auditFailed").asLong()).isEqualTo(1L);
            assertThat(audited.get("score").asInt()).as("the audited provider above the slow one above the failing one")
                    .isGreaterThan(late.get("score").asInt());
            assertThat(late.get("score").asInt()).isGreaterThan(failed.get("score").asInt());

            // a bid asking for a minimum score avoids the failing provider; its replica left over rests, saying why
            String failingProvider = providers.get(failingAgent);
            await("the book knows the failing provider's score", Duration.ofSeconds(30),
                    () -> call("GET", MARKET + "/api/v1/providers/" + failingProvider, null, null),
                    o -> o.path("reputation").asInt(-1) == 0);
            String market = signIn(MARKET, developer.key());
            JsonNode bid = call("POST", MARKET + "/api/v1/bids", market, Map.of("resources",
                    Map.of("cpuMillis", 100, "memoryMiB", 64, "storageGiB", 0), "replicas", 3,
                    "maxPrices", FunctionCalls.MAX_PRICES, "ttlSeconds", 60,
                    "constraints", Map.of("region", "local", "minScore", late.get("score").asInt())));
            assertThat(bid.get("matchedReplicas").asInt()).as("%s", bid).isEqualTo(2);
            String bidId = bid.get("id").asText();
            JsonNode resting = call("GET", MARKET + "/api/v1/bids/" + bidId, market, null);
            assertThat(resting.get("status").asText()).isEqualTo("OPEN");
            assertThat(resting.get("unmatchedReasons").toString()).isEqualTo("[\"BELOW_RELIABILITY\"]");
            for (JsonNode lease : resting.get("leaseIds")) {
                JsonNode held = call("GET", MARKET + "/api/v1/leases/" + lease.asText(), market, null);
                assertThat(held.get("provider").asText()).isNotEqualToIgnoringCase(failingProvider);
                call("POST", MARKET + "/api/v1/leases/" + lease.asText() + "/close", market, Map.of("reason", "test done"));
            }
            PlatformCalls.send("DELETE", MARKET + "/api/v1/bids/" + bidId, market, null);

            disputesAreDecidedOnTheGatewaysWitness(developer, token, slow, slowAgent, providers.get(slowAgent));
        } finally {
            for (PartProcess agent : restarted) {
                agent.stop();
            }
        }
    }

    /**
     * The slow provider's agent misreports one call as timed out (its signed receipt, 10 s allowed, says it ran a few
     * milliseconds) and answers the next one correctly. The developer disputes both charges at billing with the
     * gateway's witness of each: the one the gateway saw end as a timeout long before its limit is upheld and credited,
     * the witnessed success is rejected, and both reach the provider's reputation as the marketplace documents
     * ({@code disputeFactor}, recomputed here).
     */
    private void disputesAreDecidedOnTheGatewaysWitness(Signer developer, String functionsToken, FaultyEndpoint proxy,
            String agent, String provider) throws Exception {
        String function = "trial-" + agent;
        proxy.reportedOutcome = "TIMEOUT";
        HttpResponse<String> cut = FunctionCalls.invoke(function, "cut short");
        proxy.reportedOutcome = null;
        assertThat(cut.statusCode()).as(cut.body()).isEqualTo(504);
        HttpResponse<String> fine = FunctionCalls.invoke(function, "fine");
        assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
        String billing = signIn(BILLING, developer.key());
        Map<String, String> states = new java.util.LinkedHashMap<>();
        for (HttpResponse<String> answered : List.of(cut, fine)) {
            // a success names its call in a header, a failure in its problem body
            String invocation = answered.headers().firstValue("Agora-Invocation-Id")
                    .orElseGet(() -> read(answered.body()).path("invocationId").asText());
            JsonNode witness = call("GET", PlatformCalls.FUNCTIONS + "/api/v1/invocations/" + invocation + "/witness",
                    functionsToken, null);
            assertThat(witness.get("outcome").asText()).isEqualTo(answered == cut ? "TIMEOUT" : "OK");
            // billing rates the charge once the agent shipped its receipt: until then the dispute finds no charge
            JsonNode opened = await("the dispute over " + invocation + " opened", Duration.ofSeconds(60), () -> {
                HttpResponse<String> r = PlatformCalls.send("POST", BILLING + "/api/v1/disputes", billing,
                        Map.of("invocationId", invocation, "witness", witness));
                assertThat(r.statusCode()).as(r.body()).isIn(201, 404);
                return r.statusCode() == 201 ? read(r.body()) : null;
            }, o -> true);
            JsonNode decided = await("the dispute over " + invocation + " decided", Duration.ofSeconds(60),
                    () -> call("GET", BILLING + "/api/v1/disputes/" + opened.get("id").asText(), billing, null),
                    d -> !"OPEN".equals(d.path("state").asText()));
            System.out.printf("dispute over %s (%s): %s by %s: %s%n", invocation, witness.get("outcome").asText(),
                    decided.get("state").asText(), decided.get("rule").asText(), decided.get("reason").asText());
            assertThat(decided.get("evidence").get("witness").get("signature")).isEqualTo(witness.get("signature"));
            assertThat(decided.get("evidence").get("receiptHash").asText()).isEqualTo(witness.get("receiptHash").asText());
            states.put(invocation, decided.get("state").asText() + " " + decided.get("charge").asText());
        }
        List<String> decisions = List.copyOf(states.values());
        assertThat(decisions.get(0)).startsWith("UPHELD ");
        assertThat(decisions.get(1)).startsWith("REJECTED ");
        String credit = decisions.get(0).substring("UPHELD ".length());
        JsonNode account = call("GET", BILLING + "/api/v1/accounts/" + developer.address(), billing, null);
        assertThat(account.get("credited").asText()).as("%s", account).isEqualTo(credit);

        JsonNode view = await("both decisions in " + agent + "'s reputation", Duration.ofSeconds(60),
                () -> call("GET", MARKET + "/api/v1/providers/" + provider + "/reputation", null, null),
                v -> v.path("disputes").path("upheld").asLong() == 1 && v.path("disputes").path("rejected").asLong() == 1);
        JsonNode disputes = view.get("disputes");
        assertThat(disputes.get("factor").asDouble()).isEqualTo((1.0 + disputes.get("prior").asLong())
                / (2.0 + disputes.get("prior").asLong()));
        assertThat(view.get("score").asInt()).as("the score from the counts it cites: %s", view)
                .isEqualTo(IndependentScore.of(view));
    }

    private static JsonNode read(String json) {
        try {
            return JsonCodec.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Where agent {@code name} of {@link #AGENTS} listens. */
    private static String agentUrl(String name) {
        return "http://localhost:" + (Platform.AGENT_PORT + AGENTS.indexOf(name));
    }

    /** The lease folders holding blocks under an agent's data dir ({@code storage/<leaseId>/}). */
    private List<Path> leaseDirs(String agent) {
        Path root = state.resolve(agent).resolve("storage");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).filter(dir -> healthyBlocks(dir) + corruptBlocks(dir) > 0).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Block files whose sha-256 is their name. */
    private static int healthyBlocks(Path dir) {
        return (int) blocks(dir).stream().filter(StorageAndReputationIT::hashesToName).count();
    }

    private static int corruptBlocks(Path dir) {
        return (int) blocks(dir).stream().filter(file -> !hashesToName(file)).count();
    }

    private static List<Path> blocks(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static boolean hashesToName(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)))
                    .equals(file.getFileName().toString());
        } catch (Exception e) {
            return false;
        }
    }

    /** The folders of the storage gateway's active leases (its replicas), on whichever agent holds them. */
    private List<Path> replicaFolders(String ownerToken) throws Exception {
        List<Path> folders = new java.util.ArrayList<>();
        for (JsonNode lease : call("GET", MARKET + "/api/v1/leases?active=true", ownerToken, null)) {
            for (String agent : AGENTS) {
                Path dir = state.resolve(agent).resolve("storage").resolve(lease.get("id").asText());
                if (Files.isDirectory(dir)) {
                    folders.add(dir);
                }
            }
        }
        return folders;
    }
}
