package cloud.agora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import picocli.CommandLine;

/** The vote governance receives is signed by the holder's key for the token read from the state folder. */
class VoteCommandTest {

    @TempDir
    Path dir;

    @Test
    void postsAVoteSignedByTheHolderInTheGovernanceDomain() throws Exception {
        ECKeyPair holder = Keys.createEcKeyPair();
        Path key = dir.resolve("holder.key");
        Files.writeString(key, KeyFiles.toHex(holder));
        Address token = Address.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
        Files.createDirectories(dir.resolve("anvil"));
        Files.writeString(dir.resolve("anvil/token-address"), token.checksummed() + "\n");
        AtomicReference<String> received = new AtomicReference<>();
        AtomicReference<String> path = new AtomicReference<>();
        // governance is another process: a stand-in records what it is sent
        HttpServer governance = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        governance.createContext("/", exchange -> {
            path.set(exchange.getRequestURI().getPath());
            received.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] ok = "{\"weight\":\"1\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        governance.start();
        try {
            int status = new CommandLine(new AgoraCli()).execute("vote", "--key", key.toString(), "--proposal", "42",
                    "--support", "against", "--reason", "too high", "--nonce", "7", "--state", dir.toString(),
                    "--governance", "http://127.0.0.1:" + governance.getAddress().getPort());
            assertThat(status).isZero();
        } finally {
            governance.stop(0);
        }
        assertThat(path.get()).isEqualTo("/api/v1/proposals/42/votes");
        JsonNode body = JsonCodec.mapper().readTree(received.get());
        assertThat(body.get("support").asInt()).isEqualTo(VoteSupport.AGAINST.code());
        assertThat(body.get("nonce").asText()).isEqualTo("7");
        Vote vote = new Vote(BigInteger.valueOf(42), VoteSupport.AGAINST, "too high", BigInteger.valueOf(7));
        assertThat(TypedData.recoverSigner(Eip712Domain.governance(31337, token), vote, body.get("signature").asText()))
                .isEqualTo(PersonalSignature.addressOf(holder));
        // the voter it names, so governance refuses a signature by another key as invalid instead of as powerless
        assertThat(body.get("voter").asText()).isEqualTo(PersonalSignature.addressOf(holder).checksummed());
    }
}
