package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.CHAIN;
import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.send;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.usage.ReceiptBounds;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * A provider on the real platform tries to mint usage and to abuse what it holds; each attempt is refused with its
 * reason and the developer's bill does not move by one wei. The platform runs with a 5 s witness window so that
 * receipts the gateway never witnessed are quarantined while the test watches.
 */
class UsageNobodyCanMintIT {

    static final String AGENT = "http://localhost:8090";
    static final Pattern UNWITNESSED = Pattern.compile(
            "(?m)^agora_billing_receipts_quarantined_total\\{[^}]*reason=\"unwitnessed\"[^}]*\\} ([0-9.E]+)$");

    @TempDir
    Path state;

    @TempDir
    Path work;

    @Test
    void aProviderCanNeitherMintUsageNorRunCallsNobodyGrantedNorReadWhatIsNotItsOwn() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state).withEnv("AGORA_BILLING_WITNESS_WINDOW", "PT5S")
                .withEnv("AGORA_BILLING_WITNESS_SWEEP_INTERVAL", "1s").start();
             Chain chain = Chain.connect(ChainSettings.local(CHAIN, 31337))) {
            ECKeyPair providerKey = KeyFiles.read(state.resolve("keys/provider.key"));
            ECKeyPair gatewayKey = KeyFiles.read(state.resolve("keys/gateway.key"));
            Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
            Signer stranger = Signer.of(KeyFiles.read(state.resolve("keys/holder.key")));
            Address provider = Signer.of(providerKey).address();
            Escrow escrow = chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()));

            // an honest developer with a deployed function and some honest calls
            String token = signIn(FUNCTIONS, developer.key());
            escrow.deposit(developer, Wei.parse("1000000000000000000"));
            escrow.authorize(developer, Address.parse(Platform.address(state, "billing-delegate")), Wei.parse("500000000000000000"));
            JsonNode version = FunctionCalls.publish(token, Map.of("name", "vehicle-speed", "runtime", "shell",
                    "entrypoint", "handler.sh", "memoryMiB", 64, "cpuMillis", 250), FunctionCalls.vehicleSpeedBundle(work));
            JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, "vehicle-speed", 1);
            UUID lease = UUID.fromString(deployment.get("placed").get(0).get("leaseId").asText());
            String pings = Files.readString(LocalPlatform.REPO.resolve("examples/vehicle-speed/sample.csv"));
            for (int i = 0; i < 3; i++) {
                assertThat(FunctionCalls.invoke("vehicle-speed", pings).statusCode()).isEqualTo(200);
            }
            // another developer may not read an async call's result; its owner may
            JsonNode accepted = call("POST", FUNCTIONS + "/api/v1/functions/vehicle-speed/invocations", token, pings);
            String asyncId = accepted.get("id").asText();
            await("the async call", Duration.ofSeconds(60), () -> call("GET", FUNCTIONS + "/api/v1/invocations/" + asyncId, token, null),
                    i -> List.of("SUCCEEDED", "FAILED").contains(i.get("status").asText()));
            assertThat(send("GET", FUNCTIONS + "/api/v1/invocations/" + asyncId, signIn(FUNCTIONS, stranger.key()), null).statusCode())
                    .as("another developer").isEqualTo(404);
            assertThat(send("GET", FUNCTIONS + "/api/v1/invocations/" + asyncId, null, null).statusCode()).as("anyone").isEqualTo(404);

            String providerBilling = signIn(BILLING, providerKey);
            String developerBilling = signIn(BILLING, developer.key());
            JsonNode vouchered = await("a voucher for the 4 honest calls", Duration.ofSeconds(60),
                    () -> call("GET", BILLING + "/api/v1/vouchers?provider=" + provider.checksummed(), providerBilling, null),
                    l -> l.size() == 1 && l.get(0).get("receipts").asLong() == 4);
            String rated = call("GET", BILLING + "/api/v1/accounts/" + developer.address().checksummed(), developerBilling, null)
                    .get("rated").asText();
            double unwitnessedBefore = unwitnessed();

            // 1. receipts the provider makes up and sends to billing itself
            Instant now = Instant.now();
            UsageReceipt noGrant = receipt(UUID.randomUUID(), lease, provider, developer.address(), 1_000_000, 10, now, null, providerKey);
            assertThat(batch(providerBilling, noGrant)).isEqualTo("no-grant");
            UUID invented = UUID.randomUUID();
            InvocationGrant selfGranted = InvocationGrant.unsigned(invented, lease, provider, developer.address(),
                    version.get("bundleCid").asText(), 30_000, now, Duration.ofSeconds(30)).signedBy(providerKey);
            UsageReceipt inflated = receipt(invented, lease, provider, developer.address(), 10_000_000_000L, 10, now, selfGranted, providerKey);
            assertThat(batch(providerBilling, inflated)).isEqualTo("out-of-bounds");
            UsageReceipt plausible = receipt(invented, lease, provider, developer.address(), 1_000_000, 10, now, selfGranted, providerKey);
            JsonNode waiting = call("POST", BILLING + "/api/v1/usage/batches", providerBilling, Map.of("receipts", List.of(plausible)));
            assertThat(waiting.get("rated").asInt()).isZero();
            assertThat(waiting.get("awaitingWitness").toString()).contains(invented.toString());

            // 2. calls on the agent nobody granted: forged, expired, for another lease, replayed
            String bundle = version.get("bundleCid").asText();
            assertThat(agentCall(grant(UUID.randomUUID(), lease, provider, developer.address(), bundle, Instant.now()).signedBy(providerKey), lease, bundle))
                    .isEqualTo("grant-forged");
            assertThat(agentCall(grant(UUID.randomUUID(), lease, provider, developer.address(), bundle,
                    Instant.now().minus(Duration.ofMinutes(5))).signedBy(gatewayKey), lease, bundle)).isEqualTo("grant-expired");
            assertThat(agentCall(grant(UUID.randomUUID(), UUID.randomUUID(), provider, developer.address(), bundle, Instant.now())
                    .signedBy(gatewayKey), lease, bundle)).isEqualTo("grant-mismatch");
            // a grant of the gateway's key the provider got hold of runs once, never twice; and the receipt of that
            // call, which the gateway never saw, is never charged
            InvocationGrant once = grant(UUID.randomUUID(), lease, provider, developer.address(), bundle, Instant.now()).signedBy(gatewayKey);
            assertThat(agentCall(once, lease, bundle)).isEqualTo("200");
            assertThat(agentCall(once, lease, bundle)).isIn("grant-replayed", "invocation-already-run");

            // 3. what the agent and the marketplace reveal or accept
            assertThat(send("GET", AGENT + "/api/v1/workloads", null, null).statusCode()).isEqualTo(401);
            String marketToken = signIn(MARKET, providerKey);
            for (String endpoint : List.of("http://localhost:8090/api", "http://localhost:8090/?x", "http://localhost:8090/#f")) {
                HttpResponse<String> refused = send("POST", MARKET + "/api/v1/providers", marketToken,
                        Map.of("address", provider.checksummed(), "endpoint", endpoint, "region", "local"));
                assertThat(refused.statusCode()).as(endpoint).isEqualTo(400);
                assertThat(refused.body()).contains("urn:agora:problem:invalid-provider");
            }
            assertThat(call("GET", MARKET + "/api/v1/providers/" + provider.checksummed(), null, null).get("endpoint").asText())
                    .isEqualTo(AGENT);

            // the invented receipt and the agent's ungranted-by-the-gateway receipt end unwitnessed
            await("the unwitnessed receipts quarantined", Duration.ofSeconds(60), () -> unwitnessed() >= unwitnessedBefore + 2);

            // and no money moved: the same rated amount, still one voucher for the 4 honest calls
            assertThat(call("GET", BILLING + "/api/v1/accounts/" + developer.address().checksummed(), developerBilling, null)
                    .get("rated").asText()).isEqualTo(rated);
            JsonNode after = call("GET", BILLING + "/api/v1/vouchers?provider=" + provider.checksummed(), providerBilling, null);
            assertThat(after.get(0).get("receipts").asLong()).isEqualTo(4);
            assertThat(after.get(0).get("voucher").toString()).isEqualTo(vouchered.get(0).get("voucher").toString());

            // 4. a developer whose escrow covers five calls at most: the gateways grant no sixth, so what billing rates
            // for the provider stays within what the escrow pays (exposure 0, under the floor)
            providerNeverServesBeyondTheDevelopersCredit(escrow, stranger, providerKey);
        }
    }

    /**
     * {@code developer} deposits what five calls can cost at most (and a half) and calls eight times at once: at most
     * five are granted, the rest get 402 {@code credit-exhausted} and no receipt; once billing rated what ran, the
     * unpaid charges are within what the escrow holds for the provider.
     */
    private void providerNeverServesBeyondTheDevelopersCredit(Escrow escrow, Signer developer, ECKeyPair providerKey)
            throws Exception {
        String token = signIn(FUNCTIONS, developer.key());
        FunctionCalls.publish(token, Map.of("name", "budgeted", "runtime", "shell", "entrypoint", "handler.sh",
                "memoryMiB", 64, "cpuMillis", 250, "timeoutMillis", 1_000), FunctionCalls.echoBundle(work));
        // deposit first: the deployment's credit check records the figure the gateway holds calls under
        String provider = Signer.of(providerKey).address().checksummed();
        JsonNode offer = java.util.stream.StreamSupport.stream(call("GET", MARKET + "/api/v1/offers", null, null).spliterator(),
                false).filter(o -> o.get("provider").asText().equalsIgnoreCase(provider)).findFirst().orElseThrow();
        Prices prices = JsonCodec.mapper().treeToValue(offer.get("prices"), Prices.class);
        BigInteger maxCharge = ReceiptBounds.maxCharge(prices, 1_000, 250, 64);
        BigInteger deposit = maxCharge.multiply(BigInteger.valueOf(5)).add(maxCharge.divide(BigInteger.TWO));
        escrow.deposit(developer, new Wei(deposit));
        escrow.authorize(developer, Address.parse(Platform.address(state, "billing-delegate")), new Wei(deposit.multiply(BigInteger.TEN)));
        JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, "budgeted", 1);
        assertThat(JsonCodec.mapper().treeToValue(deployment.get("placed").get(0).get("prices"), Prices.class))
                .as("the lease is at the offer's prices").isEqualTo(prices);

        List<HttpResponse<String>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(FunctionCalls.invoke("budgeted", "call " + i));
        }
        long served = answers.stream().filter(a -> a.statusCode() == 200).count();
        assertThat(served).as("calls granted").isBetween(1L, 5L);
        assertThat(answers.stream().filter(a -> a.statusCode() != 200)).allSatisfy(a -> {
            assertThat(a.statusCode()).isEqualTo(402);
            assertThat(a.body()).contains("urn:agora:problem:credit-exhausted");
        });

        String billing = signIn(BILLING, developer.key());
        String account = BILLING + "/api/v1/accounts/" + developer.address().checksummed();
        String providerBilling = signIn(BILLING, providerKey);
        await("billing rated the " + served + " calls served", Duration.ofSeconds(60),
                () -> call("GET", BILLING + "/api/v1/vouchers?provider=" + provider + "&consumer=" + developer.address().checksummed(), providerBilling, null),
                l -> l.size() == 1 && l.get(0).get("receipts").asLong() == served);
        JsonNode credit = call("GET", account + "/credit", billing, null);
        BigInteger unpaid = new BigInteger(credit.get("unpaid").asText());
        BigInteger covered = new BigInteger(credit.get("balance").asText())
                .subtract(new BigInteger(credit.get("pendingWithdrawal").asText()))
                .min(new BigInteger(credit.get("capRemaining").asText()));
        BigInteger exposure = unpaid.subtract(covered).max(BigInteger.ZERO);
        assertThat(unpaid).isPositive().isLessThanOrEqualTo(maxCharge.multiply(BigInteger.valueOf(served)));
        assertThat(exposure).as("what the provider cannot collect").isLessThanOrEqualTo(
                new BigInteger(credit.get("floor").asText()));
        assertThat(exposure).isZero();
    }

    private static InvocationGrant grant(UUID invocation, UUID lease, Address provider, Address consumer, String bundle, Instant issued) {
        return InvocationGrant.unsigned(invocation, lease, provider, consumer, bundle, 30_000, issued, Duration.ofSeconds(30));
    }

    private static UsageReceipt receipt(UUID invocation, UUID lease, Address provider, Address consumer, long cpuNanos,
            long wallMillis, Instant startedAt, InvocationGrant grant, ECKeyPair providerKey) {
        return UsageReceipt.unsigned(invocation, lease, provider, consumer, cpuNanos, 1 << 20, wallMillis, 10, 10, startedAt,
                startedAt.plusMillis(wallMillis), grant).signedByProvider(providerKey);
    }

    /** Posts one receipt as a batch and returns the reason it was quarantined. */
    private static String batch(String token, UsageReceipt receipt) throws Exception {
        JsonNode result = call("POST", BILLING + "/api/v1/usage/batches", token, Map.of("receipts", List.of(receipt)));
        assertThat(result.get("rated").asInt()).isZero();
        return result.get("quarantined").get(0).get("reason").asText();
    }

    /** Calls the agent directly with {@code grant}; "200" or the refusal's problem slug. */
    private static String agentCall(InvocationGrant grant, UUID lease, String bundle) throws Exception {
        InvocationCall call = new InvocationCall(grant, grant.invocationId(), lease, "shell", bundle,
                List.of("/bin/sh", "/function/handler.sh"), "POST", "/", "", Map.of(),
                "0,52.52,13.405\n".getBytes(StandardCharsets.UTF_8), null, Map.of());
        HttpResponse<String> response = send("POST", AGENT + "/api/v1/invocations", null, call);
        if (response.statusCode() == 200) {
            return "200";
        }
        String type = cloud.agora.protocol.event.JsonCodec.mapper().readTree(response.body()).get("type").asText();
        return type.substring(type.lastIndexOf(':') + 1);
    }

    /** Billing's count of receipts quarantined as unwitnessed (its Prometheus metrics). */
    private static double unwitnessed() throws Exception {
        Matcher m = UNWITNESSED.matcher(send("GET", BILLING + "/q/metrics", null, null).body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
