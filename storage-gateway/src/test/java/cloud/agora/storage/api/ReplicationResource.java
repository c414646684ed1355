package cloud.agora.storage.api;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.storage.integration.agent.StorageAgentServer;
import cloud.agora.storage.integration.market.MarketplaceStandIn;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Five in-test storage agents (real block files, real hash checks, storage grants required from
 * the gateway's key) and the marketplace stand-in, all on port 0, and the gateway configured for
 * them: its own key file, a short challenge deadline and match timeout.
 */
public class ReplicationResource implements QuarkusTestResourceLifecycleManager {

    static final List<StorageAgentServer> AGENTS = new ArrayList<>();
    static MarketplaceStandIn market;
    static Address gateway;

    @Override
    public Map<String, String> start() {
        try {
            Path root = Files.createTempDirectory("agora-replication");
            ECKeyPair key = Keys.createEcKeyPair();
            gateway = PersonalSignature.addressOf(key);
            Path keyFile = root.resolve("storage.key");
            Files.writeString(keyFile, KeyFiles.toHex(key));
            List<MarketplaceStandIn.Provider> providers = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                Address provider = Address.parse(String.format("0x%040x", 0xa9e0 + i));
                StorageAgentServer agent = new StorageAgentServer(Files.createDirectories(root.resolve("agent-" + i)),
                        provider, Set.of(gateway));
                AGENTS.add(agent);
                providers.add(new MarketplaceStandIn.Provider(provider, agent.endpoint()));
            }
            market = new MarketplaceStandIn(providers, Set.of(gateway));
            return Map.of("agora.storage.replication.marketplace-url", market.url(),
                    "agora.storage.key-file", keyFile.toString(),
                    "agora.storage.replication.challenge-deadline", "2s",
                    "agora.storage.replication.match-timeout", "2s");
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the replication stand-ins", e);
        }
    }

    @Override
    public void stop() {
        AGENTS.forEach(StorageAgentServer::close);
        AGENTS.clear();
        if (market != null) {
            market.close();
        }
    }
}
