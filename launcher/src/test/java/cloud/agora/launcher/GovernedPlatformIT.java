package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * A token holder changes the platform: a proposal to raise the escrow fee and the heartbeat timeout is
 * voted with an EIP-712 signature weighted at the snapshot, passes, waits its timelock, is
 * executed by governance — the fee by a transaction on chain — and the marketplace applies the ParameterChanged decision without a
 * restart — all in the platform `./agora run` starts.
 */
class GovernedPlatformIT {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path state;

    @Test
    void aPassedProposalChangesTheRunningMarketplace() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state).start()) {
            assertThat(call("GET", "http://localhost:8081/api/v1/market/parameters", null, null)
                    .get("marketplace.heartbeat-timeout").asText()).isEqualTo("PT30S");
            ECKeyPair holder = KeyFiles.read(state.resolve("keys/holder.key"));
            String token = signIn(holder);
            JsonNode proposal = call("POST", "http://localhost:8083/api/v1/proposals", token, Map.of(
                    "title", "Give agents more time between heartbeats", "description", "30 s is tight for busy hosts",
                    "changes", List.of(Map.of("parameter", "marketplace.heartbeat-timeout", "value", "PT45S"),
                            Map.of("parameter", "escrow.fee-bps", "value", "250"))));
            long id = proposal.get("id").asLong();

            mine(proposal.get("snapshotBlock").asLong() + 1 - blockNumber());
            Address tokenAddress = Address.parse(Files.readString(state.resolve("anvil/token-address")).strip());
            Vote vote = new Vote(BigInteger.valueOf(id), VoteSupport.FOR, "yes");
            String signature = TypedData.sign(Eip712Domain.governance(31337, tokenAddress), vote, holder);
            call("POST", "http://localhost:8083/api/v1/proposals/" + id + "/votes", null,
                    Map.of("support", 1, "reason", "yes", "signature", signature));

            mine(proposal.get("endBlock").asLong() + 1 - blockNumber());
            JsonNode[] last = new JsonNode[1];
            await(() -> {
                last[0] = call("GET", "http://localhost:8083/api/v1/proposals/" + id, null, null);
                return "executed".equals(last[0].get("state").asText());
            }, () -> "the proposal executed; last seen " + last[0]);
            JsonNode feeChange = null;
            for (JsonNode change : last[0].get("changes")) {
                if (change.get("parameter").asText().equals("escrow.fee-bps")) {
                    feeChange = change;
                }
            }
            assertThat(feeChange).as("the fee change in %s", last[0]).isNotNull();
            JsonNode receipt = rpc("eth_getTransactionReceipt", List.of(feeChange.get("txHash").asText())).get("result");
            assertThat(receipt.get("status").asText()).as("the fee transaction succeeded on chain").isEqualTo("0x1");
            await(() -> "PT45S".equals(call("GET", "http://localhost:8081/api/v1/market/parameters", null, null)
                    .get("marketplace.heartbeat-timeout").asText()), () -> "the marketplace applied the new timeout");
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void await(Check check, java.util.function.Supplier<String> what) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (!check.holds()) {
            assertThat(Instant.now()).as(what.get() + " within 90 s").isBefore(deadline);
            Thread.sleep(500);
        }
    }

    private static long blockNumber() throws Exception {
        return Long.decode(rpc("eth_blockNumber", List.of()).get("result").asText());
    }

    private static void mine(long blocks) throws Exception {
        if (blocks > 0) {
            rpc("anvil_mine", List.of("0x" + Long.toHexString(blocks)));
        }
    }

    private static JsonNode rpc(String method, List<Object> params) throws Exception {
        return call("POST", "http://127.0.0.1:8545", null, Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", params));
    }

    private static String signIn(ECKeyPair key) throws Exception {
        String message = call("POST", "http://localhost:8083/api/v1/auth/challenge", null,
                Map.of("address", PersonalSignature.addressOf(key).checksummed())).get("message").asText();
        return call("POST", "http://localhost:8083/api/v1/auth/token", null,
                Map.of("message", message, "signature", PersonalSignature.sign(message, key))).get("token").asText();
    }

    private static JsonNode call(String method, String url, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JsonCodec.write(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, url, response.body()).isBetween(200, 299);
        return JsonCodec.mapper().readTree(response.body());
    }
}
