package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.CHAIN;
import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.getOrNull;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.ReceiptRating;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;

/**
 * The whole scenario as users live it, against the platform {@code ./agora run} starts: the
 * provider's agent joins with prices; the developer signs in, deposits ETH, authorizes billing's
 * delegate, deploys the vehicle-speed example, calls it many times and gets the right speeds, reads
 * usage and a receipt's proof (after previewing the deployment: every receipt is charged at the quoted unit prices); the provider redeems its voucher and its balance rises by exactly the
 * billed amount minus the fee; the token holder changes the fee through governance, and the next
 * redeem pays the new fee, to the wei.
 */
class ScenarioIT {

    static final int FIRST_CALLS = 24;
    static final int LATER_CALLS = 6;
    static final BigInteger BPS = BigInteger.valueOf(10_000);

    @TempDir
    Path state;

    @TempDir
    Path work;

    @Test
    void fromDepositToRedeemWithAFeeChangedByGovernance() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state).start();
             Chain chain = Chain.connect(ChainSettings.local(CHAIN, 31337))) {
            Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
            Signer provider = Signer.of(KeyFiles.read(state.resolve("keys/provider.key")));
            Address delegate = Address.parse(Platform.address(state, "billing-delegate"));
            Escrow escrow = chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()));

            // the provider's agent joins the market with its prices
            JsonNode offer = await("the agent's offer", Duration.ofSeconds(60),
                    () -> getOrNull(MARKET + "/api/v1/providers/" + provider.address().checksummed(), null),
                    o -> o.path("available").asBoolean(false));
            assertThat(offer.get("prices").get("perInvocation").asText()).isNotBlank();

            // the developer signs in, deposits and lets billing sign vouchers for it
            String token = signIn(FUNCTIONS, developer.key());
            escrow.deposit(developer, Wei.parse("1000000000000000000"));
            escrow.authorize(developer, delegate, Wei.parse("500000000000000000"));
            assertThat(escrow.delegation(developer.address()).delegate()).contains(delegate);

            // publishes and deploys the example
            JsonNode version = FunctionCalls.publish(token, Map.of("name", "vehicle-speed", "runtime", "shell",
                    "entrypoint", "handler.sh", "memoryMiB", 64, "cpuMillis", 250), FunctionCalls.vehicleSpeedBundle(work));
            assertThat(version.get("version").asInt()).isEqualTo(1);
            // before deploying, a preview: a bid no provider can serve names the constraint and how many it excludes;
            // the bid the deploy places is quoted at the provider's prices, and nothing is bid for
            String previews = FUNCTIONS + "/api/v1/functions/vehicle-speed/deployments/preview";
            JsonNode nowhere = call("POST", previews, token, Map.of("replicas", 1, "maxPrices", FunctionCalls.MAX_PRICES,
                    "constraints", Map.of("region", "nowhere")));
            assertThat(nowhere.get("wouldLease").asInt()).isZero();
            assertThat(nowhere.at("/market/excluded/0/constraint").asText()).isEqualTo("REGION");
            assertThat(nowhere.at("/market/excluded/0/providers").asInt()).isEqualTo(nowhere.at("/market/providersWithOffers").asInt())
                    .isPositive();
            assertThat(nowhere.at("/market/unmatchedReasons/0").asText()).isEqualTo("NO_PROVIDER_IN_REGION");
            JsonNode preview = call("POST", previews, token, Map.of("replicas", 1, "maxPrices", FunctionCalls.MAX_PRICES,
                    "constraints", Map.of("region", "local")));
            assertThat(preview.get("wouldLease").asInt()).isEqualTo(1);
            JsonNode quote = preview.at("/quotes/0");
            assertThat(quote.get("provider").asText()).isEqualToIgnoringCase(provider.address().checksummed());
            assertThat(quote.get("wouldLease").asBoolean()).isTrue();
            Prices quoted = JsonCodec.mapper().treeToValue(quote.get("prices"), Prices.class);
            assertThat(call("GET", FUNCTIONS + "/api/v1/functions/vehicle-speed/deployments", token, null)).isEmpty();

            JsonNode deployment = FunctionCalls.deployAndAwaitActive(token, "vehicle-speed", 1);
            assertThat(deployment.get("placed").get(0).get("provider").asText()).isEqualToIgnoringCase(provider.address().checksummed());
            assertThat(JsonCodec.mapper().treeToValue(deployment.at("/placed/0/prices"), Prices.class))
                    .as("the lease carries the quoted prices").isEqualTo(quoted);

            // calls it many times: every answer is right
            Random random = new Random(9);
            List<String> invocations = new ArrayList<>();
            for (int i = 0; i < FIRST_CALLS; i++) {
                invocations.add(callAndCheck(random));
            }

            // usage as functions sees it
            JsonNode usage = await("usage of " + FIRST_CALLS + " calls", Duration.ofSeconds(30),
                    () -> call("GET", FUNCTIONS + "/api/v1/functions/vehicle-speed/usage", token, null),
                    u -> u.get("invocations").asLong() == FIRST_CALLS);
            assertThat(usage.get("errors").asLong()).isZero();
            assertThat(usage.get("cpuSeconds").asDouble()).isPositive();

            // billing's voucher covers every call; the sum of the receipts' charges is its amount
            String providerToken = signIn(BILLING, provider.key());
            VoucherView first = awaitVoucher(providerToken, provider, developer, FIRST_CALLS);
            BigInteger billed = BigInteger.ZERO;
            for (String invocation : invocations) {
                JsonNode charged = proof(token, invocation);
                UsageReceipt receipt = JsonCodec.mapper().treeToValue(charged.get("receipt"), UsageReceipt.class);
                assertThat(new BigInteger(charged.get("charge").asText())).as("charged per unit as quoted")
                        .isEqualTo(ReceiptRating.charge(quoted, receipt));
                billed = billed.add(new BigInteger(charged.get("charge").asText()));
            }
            assertThat(first.voucher().voucher().cumulativeAmount().value()).isEqualTo(billed);

            // the provider redeems: its balance rises by exactly the billed amount minus the fee (and its gas)
            int fee = escrow.feeBps();
            Redemption paid = redeemAndCheckBalance(chain, escrow, provider, first, BigInteger.ZERO, fee);

            // every receipt's proof checks, independently of billing's code, against the root of the redeem event:
            // granted and witnessed by the gateway, signed by the provider, within bounds, charged to the wei
            String gateway = Address.parse(Platform.address(state, "gateway")).value();
            assertThat(proveEveryLine(token, invocations, paid, gateway, provider)).isEqualTo(billed);
            JsonNode proof = proof(token, invocations.get(7));
            assertThat(proof.get("settlement").toString()).contains(paid.receipt().transactionHash());
            List<byte[]> path = new ArrayList<>();
            proof.get("proof").forEach(node -> path.add(Numeric.hexStringToByteArray(node.asText())));
            byte[] root = Numeric.hexStringToByteArray(paid.receiptsRoot().toString());
            assertThat(ReceiptMerkleTree.verify(path, root, Numeric.hexStringToByteArray(proof.get("receiptHash").asText()))).isTrue();

            // the holders raise the fee; the next redeem pays the new one
            int newFee = fee + 150;
            Proposals.transactionOf(Proposals.pass(state, "Fund the treasury", List.of(
                    Map.of("parameter", "escrow.fee-bps", "value", Integer.toString(newFee)))), "escrow.fee-bps");
            assertThat(escrow.feeBps()).isEqualTo(newFee);
            for (int i = 0; i < LATER_CALLS; i++) {
                invocations.add(callAndCheck(random));
            }
            VoucherView second = awaitVoucher(providerToken, provider, developer, FIRST_CALLS + LATER_CALLS);
            Redemption paidAgain = redeemAndCheckBalance(chain, escrow, provider, second,
                    first.voucher().voucher().cumulativeAmount().value(), newFee);
            assertThat(proveEveryLine(token, invocations, paidAgain, gateway, provider))
                    .isEqualTo(second.voucher().voucher().cumulativeAmount().value());
        }
    }

    /**
     * Verifies every invocation's line of the bill against {@code paid}'s root with {@link IndependentBill}, once
     * billing proves it against that redeem; returns the sum of the charges.
     */
    private static BigInteger proveEveryLine(String token, List<String> invocations, Redemption paid, String gateway,
            Signer provider) throws Exception {
        String root = paid.receiptsRoot().toString();
        BigInteger total = BigInteger.ZERO;
        IndependentBill.Lease lease = null;
        for (String invocation : invocations) {
            JsonNode proof = await("the proof of " + invocation + " against the redeem", Duration.ofSeconds(30),
                    () -> proof(token, invocation),
                    p -> p.hasNonNull("settlement") && p.get("settlement").toString().contains(paid.receipt().transactionHash()));
            if (lease == null) {
                lease = IndependentBill.Lease.of(call("GET", MARKET + "/api/v1/leases/" + proof.get("receipt").get("leaseId").asText(),
                        token, null));
            }
            total = total.add(IndependentBill.verify(proof, lease, gateway, provider.address().value(), root));
        }
        return total;
    }

    /** One call with fresh pings; asserts the speeds and returns the invocation id. */
    private static String callAndCheck(Random random) throws Exception {
        VehicleSpeedFunctionTest.Pings pings = VehicleSpeedFunctionTest.randomPings(random, 40);
        HttpResponse<String> response = FunctionCalls.invoke("vehicle-speed", pings.csv());
        assertThat(response.statusCode()).as("call: %s", response.body()).isEqualTo(200);
        VehicleSpeedFunctionTest.assertMatches(VehicleSpeedFunctionTest.parse(response.body()), pings.expected());
        return response.headers().firstValue("Agora-Invocation-Id").orElseThrow();
    }

    private static JsonNode proof(String token, String invocation) throws Exception {
        return call("GET", BILLING + "/api/v1/receipts/" + invocation + "/proof", token, null);
    }

    /** Waits for billing's latest voucher of the pair to cover {@code receipts} receipts. */
    private static VoucherView awaitVoucher(String token, Signer provider, Signer developer, int receipts) throws Exception {
        String url = BILLING + "/api/v1/vouchers?provider=" + provider.address().checksummed() + "&consumer="
                + developer.address().checksummed();
        JsonNode list = await("a voucher for " + receipts + " receipts", Duration.ofSeconds(60), () -> call("GET", url, token, null),
                l -> l.size() == 1 && l.get(0).get("receipts").asLong() == receipts);
        return JsonCodec.mapper().treeToValue(list.get(0), VoucherView.class);
    }

    private static Redemption redeemAndCheckBalance(Chain chain, Escrow escrow, Signer provider, VoucherView voucher,
            BigInteger redeemedBefore, int feeBps) {
        BigInteger increment = voucher.voucher().voucher().cumulativeAmount().value().subtract(redeemedBefore);
        BigInteger fee = increment.multiply(BigInteger.valueOf(feeBps)).divide(BPS);
        BigInteger before = chain.etherBalance(provider.address()).value();
        Redemption paid = escrow.redeem(provider, voucher.voucher());
        BigInteger after = chain.etherBalance(provider.address()).value();
        assertThat(paid.fee().value()).isEqualTo(fee);
        assertThat(paid.payment().value()).isEqualTo(increment.subtract(fee));
        assertThat(after).isEqualTo(before.add(increment).subtract(fee).subtract(paid.receipt().cost().value()));
        return paid;
    }
}
