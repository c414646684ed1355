package cloud.agora.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
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

    /** How often to ask the node for a receipt or a new block (a public network: 1 s; a local node: a few ms). */
    @WithDefault("1s")
    Duration pollInterval();

    /** How long a transaction may take to be mined before it counts as failed (a public network: minutes). */
    @WithDefault("5m")
    Duration receiptTimeout();
}
