package cloud.agora.cli;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.governance.VoteBallot;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A token holder's vote: signs {@code Vote(proposalId, support, reason, nonce)} (EIP-712, domain "Agora
 * Governance" with the token's address; the nonce is the current time in milliseconds unless given, so a later
 * vote replaces an earlier one and an old signature re-posted never does) and posts it to governance, which weighs
 * it at the proposal's snapshot. Prints governance's answer.
 */
@Command(name = "vote", description = "Signs an EIP-712 vote on a proposal and posts it to governance.")
class VoteCommand implements Callable<Integer> {

    @Option(names = "--key", required = true, description = "the holder's key file")
    Path key;

    @Option(names = "--proposal", required = true, description = "the proposal id")
    long proposal;

    @Option(names = "--support", defaultValue = "for", description = "for, against or abstain (default ${DEFAULT-VALUE})")
    String support;

    @Option(names = "--reason", defaultValue = "", description = "a reason, signed with the vote")
    String reason;

    @Option(names = "--nonce", description = "the vote's nonce: a later vote needs a greater one (default: now in ms)")
    BigInteger nonce;

    @Option(names = "--governance", defaultValue = "http://localhost:8083", description = "governance's URL (default ${DEFAULT-VALUE})")
    String governance;

    @Option(names = "--token", description = "the AGORA token's address (default: <state>/anvil/token-address)")
    String token;

    @Option(names = "--chain-id", defaultValue = "${env:AGORA_CHAIN_CHAIN_ID:-31337}", description = "default ${DEFAULT-VALUE}")
    long chainId;

    @Option(names = "--state", defaultValue = "${env:AGORA_STATE:-state}", description = "the platform's state folder (default ${DEFAULT-VALUE})")
    Path state;

    @Override
    public Integer call() throws Exception {
        VoteSupport choice = VoteSupport.valueOf(support.toUpperCase(java.util.Locale.ROOT));
        Address tokenAddress = Address.parse(token != null ? token : Files.readString(state.resolve("anvil/token-address")).strip());
        BigInteger voteNonce = nonce != null ? nonce : BigInteger.valueOf(System.currentTimeMillis());
        Vote vote = new Vote(BigInteger.valueOf(proposal), choice, reason, voteNonce);
        ECKeyPair voter = KeyFiles.read(key);
        String signature = TypedData.sign(Eip712Domain.governance(chainId, tokenAddress), vote, voter);
        String url = Api.base(governance) + "/api/v1/proposals/" + proposal + "/votes";
        System.out.println(Api.send("POST", url, null, new VoteBallot(choice.code(), reason, voteNonce, signature,
                PersonalSignature.addressOf(voter).checksummed())));
        return 0;
    }
}
