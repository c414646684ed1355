package cloud.agora.governance.api;

import cloud.agora.contracts.devnet.DevnetResource;
import java.util.HashMap;
import java.util.Map;

/**
 * The devnet, with governance told its timelock. The guardian (dev account 1) is in the test configuration
 * ({@code %test.agora.chain.guardians}), so that a test profile can replace it.
 */
public class GovernanceDevnetResource extends DevnetResource {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        config.put("agora.chain.timelock-address", config.get("agora.devnet.timelock-address"));
        return config;
    }
}
