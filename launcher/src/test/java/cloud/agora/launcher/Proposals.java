package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.GOVERNANCE;
import static cloud.agora.launcher.PlatformCalls.blockNumber;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.mine;
import static cloud.agora.launcher.PlatformCalls.rpc;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/**
 * A token holder's proposal through the platform's governance with the launcher's dev timings: the
 * holder ({@code state/keys/holder.key}) proposes, votes for it with an EIP-712 signature once voting
 * opens, blocks are mined past its end, and governance executes it after the timelock.
 */
final class Proposals {

    private Proposals() {
    }

    /**
     * Proposes {@code changes} ({@code [{parameter, value}]}), passes and awaits their execution; returns
     * the executed proposal as governance shows it.
     */
    static JsonNode pass(Path state, String title, List<Map<String, Object>> changes) throws Exception {
        ECKeyPair holder = KeyFiles.read(state.resolve("keys/holder.key"));
        String token = PlatformCalls.signIn(GOVERNANCE, holder);
        JsonNode proposal = call("POST", GOVERNANCE + "/api/v1/proposals", token,
                Map.of("title", title, "description", title, "changes", changes));
        long id = proposal.get("id").asLong();

        mine(proposal.get("snapshotBlock").asLong() + 1 - blockNumber());
        Address tokenAddress = Address.parse(Files.readString(state.resolve("anvil/token-address")).strip());
        BigInteger nonce = BigInteger.valueOf(System.currentTimeMillis());
        Vote vote = new Vote(BigInteger.valueOf(id), VoteSupport.FOR, "yes", nonce);
        String signature = TypedData.sign(Eip712Domain.governance(31337, tokenAddress), vote, holder);
        call("POST", GOVERNANCE + "/api/v1/proposals/" + id + "/votes", null,
                Map.of("support", 1, "reason", "yes", "nonce", nonce, "signature", signature));

        mine(proposal.get("endBlock").asLong() + 1 - blockNumber());
        return PlatformCalls.await("proposal " + id + " executed", Duration.ofSeconds(90),
                () -> call("GET", GOVERNANCE + "/api/v1/proposals/" + id, null, null),
                p -> "executed".equals(p.get("state").asText()));
    }

    /** The on-chain transaction that executed {@code parameter} in an executed proposal; asserts it succeeded. */
    static String transactionOf(JsonNode executed, String parameter) throws Exception {
        for (JsonNode change : executed.get("changes")) {
            if (change.get("parameter").asText().equals(parameter)) {
                String hash = change.get("txHash").asText();
                JsonNode receipt = rpc("eth_getTransactionReceipt", List.of(hash)).get("result");
                assertThat(receipt.get("status").asText()).as("the %s transaction succeeded on chain", parameter)
                        .isEqualTo("0x1");
                return hash;
            }
        }
        throw new AssertionError("no change of " + parameter + " in " + executed);
    }
}
