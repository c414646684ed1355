package cloud.agora.billing;

import cloud.agora.contracts.devnet.DevnetResource;
import java.util.HashMap;
import java.util.Map;

/** The devnet, with dev account 4 as billing's delegate key (the devnet's role for it). */
public class BillingDevnetResource extends DevnetResource {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        config.put("agora.billing.vouchers.delegate-key", config.get("agora.devnet.accounts.4.key"));
        // billing maps only the rpc url, chain id and escrow of agora.chain.*
        config.remove("agora.chain.token-address");
        config.remove("agora.chain.treasury-address");
        config.remove("agora.chain.executor-key");
        return config;
    }
}
