package cloud.agora.agent.api;

import cloud.agora.agent.bundle.BundleServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh data directory, a provider key file, a gateway secret and a stand-in storage gateway
 * serving bundles by CID for the agent under test.
 */
public class AgentTestResource implements QuarkusTestResourceLifecycleManager {

    static final String GATEWAY_TOKEN = "test-gateway-secret";
    static final String KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
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
                    "agent.gateway.token", GATEWAY_TOKEN, "agent.storage-gateway.url", storage.url(),
                    "agent.runc.cgroup-parent", "agora-test-" + UUID.randomUUID().toString().substring(0, 8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // the temp dir holds only small files; containers are removed by the runtime's close()
        storage.close();
    }
}
