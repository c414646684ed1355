package cloud.agora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.protocol.dispute.DisputeRequest;
import cloud.agora.protocol.dispute.ProviderAnswer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.SignerKeys;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationOutcome;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import picocli.CommandLine;

/**
 * The dispute commands against a stand-in of the functions gateway and billing (other processes): the developer's
 * dispute carries the gateway's witness exactly as the gateway signed it, signed in with the developer's key at each
 * service; a provider's answer reaches billing as written; a refusal is the command's failure.
 */
class DisputeCommandsTest {

    @TempDir
    Path dir;

    ECKeyPair developer;
    ECKeyPair gateway;
    Path key;
    HttpServer services;
    final Map<String, String> received = new ConcurrentHashMap<>();
    final Map<String, String> signedIn = new ConcurrentHashMap<>();
    volatile int disputeStatus = 201;
    CallWitness witness;

    @BeforeEach
    void services() throws Exception {
        developer = Keys.createEcKeyPair();
        gateway = Keys.createEcKeyPair();
        key = dir.resolve("developer.key");
        Files.writeString(key, KeyFiles.toHex(developer));
        UUID invocation = UUID.randomUUID();
        witness = CallWitness.sign(invocation, UUID.randomUUID(), Address.of(Keys.createEcKeyPair()),
                Address.of(developer), new byte[32], InvocationOutcome.TIMEOUT, 137, Instant.now(), gateway);
        services = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        services.createContext("/", this::handle);
        services.start();
    }

    @AfterEach
    void stop() {
        services.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        int status = 200;
        String answer;
        if (path.equals("/api/v1/auth/challenge")) {
            answer = JsonCodec.write(Map.of("message", "sign in " + UUID.randomUUID()));
        } else if (path.equals("/api/v1/auth/token")) {
            Map<?, ?> exchangeBody = JsonCodec.read(body, Map.class);
            Address signer = PersonalSignature.recover((String) exchangeBody.get("message"), (String) exchangeBody.get("signature"));
            String token = "token-" + UUID.randomUUID();
            signedIn.put(token, signer.value());
            answer = JsonCodec.write(Map.of("token", token));
        } else if (auth == null || !signedIn.containsKey(auth.substring("Bearer ".length()))) {
            status = 401;
            answer = "{}";
        } else if (path.equals("/api/v1/invocations/" + witness.invocationId() + "/witness")) {
            answer = JsonCodec.write(witness);
        } else {
            received.put(exchange.getRequestMethod() + " " + path, body);
            received.put("signer", signedIn.get(auth.substring("Bearer ".length())));
            status = path.equals("/api/v1/disputes") ? disputeStatus : 200;
            answer = status / 100 == 2 ? "{\"id\":\"d-1\",\"state\":\"OPEN\"}"
                    : "{\"type\":\"urn:agora:problem:invalid-evidence\",\"status\":" + status + "}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    String url() {
        return "http://127.0.0.1:" + services.getAddress().getPort();
    }

    @Test
    void aDisputeCarriesTheGatewaysWitnessAsTheGatewaySignedIt() throws Exception {
        String output = run(0, "dispute", "open", "--key", key.toString(), "--functions", url(), "--billing", url(),
                witness.invocationId().toString());
        assertThat(output).contains("\"state\":\"OPEN\"");
        DisputeRequest sent = JsonCodec.read(received.get("POST /api/v1/disputes"), DisputeRequest.class);
        assertThat(sent.invocationId()).isEqualTo(witness.invocationId());
        assertThat(sent.witness()).isEqualTo(witness);
        assertThat(sent.witness().signatureValid(new SignerKeys())).isTrue();
        assertThat(received.get("signer")).isEqualTo(Address.of(developer).value());
    }

    @Test
    void aRefusedDisputeIsTheCommandsFailureWithTheProblem() throws Exception {
        disputeStatus = 422;
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new AgoraCli()).execute("dispute", "open", "--key", key.toString(), "--functions",
                    url(), "--billing", url(), witness.invocationId().toString())).isNotZero();
        } finally {
            System.setErr(original);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("422").contains("invalid-evidence");
    }

    @Test
    void aProvidersAnswerReachesBillingAsWritten() throws Exception {
        UUID dispute = UUID.randomUUID();
        run(0, "dispute", "answer", "--key", key.toString(), "--billing", url(), "--statement", "ran its 10 s",
                "--evidence", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", dispute.toString());
        ProviderAnswer sent = JsonCodec.read(received.get("POST /api/v1/disputes/" + dispute + "/answer"), ProviderAnswer.class);
        assertThat(sent).isEqualTo(new ProviderAnswer(false, "ran its 10 s",
                List.of("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")));
        run(0, "dispute", "show", "--key", key.toString(), "--billing", url(), dispute.toString());
        assertThat(received).containsKey("GET /api/v1/disputes/" + dispute);
    }

    private static String run(int expected, String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new AgoraCli()).execute(args)).isEqualTo(expected);
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8).strip();
    }
}
