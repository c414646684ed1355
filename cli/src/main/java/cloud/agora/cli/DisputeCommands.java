package cloud.agora.cli;

import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.protocol.dispute.DisputeRequest;
import cloud.agora.protocol.dispute.ProviderAnswer;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.JsonCodec;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Disputes over charges (billing's README, "Disputes"): a developer opens one with the functions gateway's witness of
 * the call, anyone of the two parties reads it, the provider answers. Each prints billing's answer (JSON).
 */
@Command(name = "dispute", description = "Disputes a charge, shows a dispute, or answers one as its provider.",
        subcommands = {DisputeCommands.Open.class, DisputeCommands.Show.class, DisputeCommands.Answer.class})
class DisputeCommands {

    static final String FUNCTIONS = "http://localhost:8080";
    static final String BILLING = "http://localhost:8082";

    @Command(name = "open", description = "Fetches the gateway's signed witness of a call (functions) and disputes its"
            + " charge at billing with it.")
    static class Open implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the developer's key file")
        Path key;

        @Option(names = "--functions", defaultValue = FUNCTIONS, description = "the functions gateway's URL (default ${DEFAULT-VALUE})")
        String functions;

        @Option(names = "--billing", defaultValue = BILLING, description = "billing's URL (default ${DEFAULT-VALUE})")
        String billing;

        @Parameters(index = "0", description = "the disputed call's invocation id (Agora-Invocation-Id, or a failed call's"
                + " problem's invocationId)")
        UUID invocationId;

        @Override
        public Integer call() throws Exception {
            ECKeyPair developer = KeyFiles.read(key);
            String witnessJson = Api.send("GET", Api.base(functions) + "/api/v1/invocations/" + invocationId + "/witness",
                    SignIn.token(functions, developer), null);
            CallWitness witness = JsonCodec.read(witnessJson, CallWitness.class);
            System.out.println(Api.send("POST", Api.base(billing) + "/api/v1/disputes", SignIn.token(billing, developer),
                    new DisputeRequest(invocationId, witness)));
            return 0;
        }
    }

    @Command(name = "show", description = "Shows a dispute (its developer's or its provider's): state, rule, evidence.")
    static class Show implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the developer's or the provider's key file")
        Path key;

        @Option(names = "--billing", defaultValue = BILLING, description = "billing's URL (default ${DEFAULT-VALUE})")
        String billing;

        @Parameters(index = "0", description = "the dispute id")
        UUID disputeId;

        @Override
        public Integer call() throws Exception {
            System.out.println(Api.send("GET", Api.base(billing) + "/api/v1/disputes/" + disputeId,
                    SignIn.token(billing, KeyFiles.read(key)), null));
            return 0;
        }
    }

    @Command(name = "answer", description = "Answers a dispute as its provider, before its answer window ends: concede,"
            + " or contest with a statement and references to evidence. Decided at once.")
    static class Answer implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the provider's key file")
        Path key;

        @Option(names = "--billing", defaultValue = BILLING, description = "billing's URL (default ${DEFAULT-VALUE})")
        String billing;

        @Option(names = "--concede", description = "agree that the charge is wrong (the dispute is upheld)")
        boolean concede;

        @Option(names = "--statement", defaultValue = "", description = "the provider's words")
        String statement;

        @Option(names = "--evidence", description = "a reference to evidence (a CID, a URL); repeatable")
        List<String> evidence;

        @Parameters(index = "0", description = "the dispute id")
        UUID disputeId;

        @Override
        public Integer call() throws Exception {
            ProviderAnswer answer = new ProviderAnswer(concede, statement, evidence);
            System.out.println(Api.send("POST", Api.base(billing) + "/api/v1/disputes/" + disputeId + "/answer",
                    SignIn.token(billing, KeyFiles.read(key)), answer));
            return 0;
        }
    }
}
