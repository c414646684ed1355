package cloud.agora.protocol.bench;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.invocation.InvocationCall;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.invocation.InvocationOutcome;
import cloud.agora.protocol.invocation.InvocationReply;
import cloud.agora.protocol.usage.UsageReceipt;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * The JSON an agent reads and writes per call, one thread: the gateway's call (read), the agent's reply with its signed
 * receipt (written), and the receipt's journal line (written). {@code mapper}: {@code reflection} is the platform's
 * ({@link JsonCodec#configure}: record accessors and constructors called by reflection), {@code blackbird} the same
 * with Jackson's Blackbird module (generated accessors), which was measured and not taken (protocol README, "JSON"). Run with {@code protocol/bench/json.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JsonBenchmark {

    @Param({"reflection", "blackbird"})
    public String mapper;

    private ObjectMapper json;
    private byte[] call;
    private InvocationReply reply;
    private UsageReceipt receipt;

    @Setup
    public void setUp() throws Exception {
        json = JsonCodec.configure(new ObjectMapper());
        if (mapper.equals("blackbird")) {
            json.registerModule(new BlackbirdModule());
        }
        ECKeyPair gateway = Keys.createEcKeyPair();
        ECKeyPair provider = Keys.createEcKeyPair();
        Address providerAddress = Address.of(provider);
        Address consumer = Address.of(Keys.createEcKeyPair());
        UUID id = UUID.randomUUID();
        UUID lease = UUID.randomUUID();
        String bundle = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
        InvocationGrant grant = InvocationGrant.unsigned(id, lease, providerAddress, consumer, bundle, 10_000L,
                Instant.now(), Duration.ofSeconds(30)).signedBy(gateway);
        call = json.writeValueAsBytes(new InvocationCall(grant, id, lease, "jvm", bundle,
                List.of("java", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "/function/Server.java"), "POST", "/", "",
                Map.of("content-type", "text/plain"), "bench".getBytes(), 10_000L, Map.of(), "http"));
        receipt = UsageReceipt.unsigned(id, lease, providerAddress, consumer, 1_234_567L, 64L << 20, 1, 5, 11,
                Instant.now(), Instant.now().plusMillis(1), grant).signedByProvider(provider);
        reply = new InvocationReply(id, InvocationOutcome.OK, 0, "hello bench".getBytes(), "", false, true, receipt, 200,
                Map.of("content-type", List.of("text/plain")));
    }

    @Benchmark
    public InvocationCall readCall() throws Exception {
        return json.readValue(call, InvocationCall.class);
    }

    @Benchmark
    public byte[] writeReply() throws Exception {
        return json.writeValueAsBytes(reply);
    }

    @Benchmark
    public String writeReceiptLine() throws Exception {
        return json.writeValueAsString(receipt);
    }
}
