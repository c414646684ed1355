package cloud.agora.agent.api;

import cloud.agora.agent.bundle.BundleServer;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.web3j.crypto.ECKeyPair;

/**
 * A fresh data directory, a provider key file, the trusted functions and storage gateway keys, and a stand-in storage
 * gateway serving bundles by CID for the agent under test.
 */
public class AgentTestResource implements QuarkusTestResourceLifecycleManager {

    static final String KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    /** The provider the agent signs for (address of {@link #KEY}). */
    static final ECKeyPair PROVIDER_KEY = KeyFiles.parse(KEY);
    /** The functions gateway the agent trusts: it signs invocation grants. */
    static final ECKeyPair FUNCTIONS_GATEWAY = KeyFiles.parse("11".repeat(32));
    /** The storage gateway the agent trusts: it signs storage grants. */
    static final ECKeyPair STORAGE_GATEWAY = KeyFiles.parse("22".repeat(32));
    /** A key the agent does not trust. */
    static final ECKeyPair FORGER = KeyFiles.parse("33".repeat(32));
    static Path dataDir;
    static BundleServer storage;

    @Override
    public Map<String, String> start() {
        try {
            dataDir = Files.createTempDirectory("agent-test");
            Path key = dataDir.resolve("provider.key");
            Files.writeString(key, KEY);
            storage = new BundleServer();
            return Map.of("agent.key-file", key.toString(), "agent.data-dir", dataDir.toString(),
                    "agent.gateways.functions", PersonalSignature.addressOf(FUNCTIONS_GATEWAY).value(),
                    "agent.gateways.storage", PersonalSignature.addressOf(STORAGE_GATEWAY).value(),
                    "agent.storage-gateway.url", storage.url(),
                    "agent.runc.cgroup-parent", "agora-test-" + UUID.randomUUID().toString().substring(0, 8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // the temp dir holds small files and the jvm runtime's image (~120 MiB), which goes; containers are removed by
        // the runtime's close()
        storage.close();
        try (Stream<Path> runtimes = Files.walk(dataDir.resolve("runtimes"))) {
            for (Path p : runtimes.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // left in the temp dir
        }
    }
}
