package cloud.agora.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** The chain and the escrow billing settles through (the devnet test resource sets these). */
@ConfigMapping(prefix = "agora.chain")
public interface ChainConfig {

    /** The JSON-RPC endpoint; without it billing rates and proves but neither signs vouchers nor follows settlement. */
    Optional<String> rpcUrl();

    /** The chain id vouchers are signed for. */
    @WithDefault("31337")
    long chainId();

    /** The AgoraEscrow address. */
    Optional<String> escrowAddress();
}
