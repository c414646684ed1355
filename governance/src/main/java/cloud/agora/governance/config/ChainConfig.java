package cloud.agora.governance.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Optional;

/** The chain governance weighs votes on and executes through (the devnet test resource sets these). */
@ConfigMapping(prefix = "agora.chain")
public interface ChainConfig {

    /** The JSON-RPC endpoint. */
    String rpcUrl();

    /** The chain id votes are signed for (part of the EIP-712 domain). */
    @WithDefault("31337")
    long chainId();

    /** The AgoraToken: weighs votes, and is the verifying contract of the vote domain. */
    String tokenAddress();

    /** The AgoraEscrow whose fee and withdrawal delay governance sets. */
    String escrowAddress();

    /** Not used by governance (the devnet hands it to every service). */
    Optional<String> treasuryAddress();

    /** The escrow's executor key (hex); prefer {@link #executorKeyFile()} outside tests. */
    Optional<String> executorKey();

    /** A file holding the executor key (hex, as {@code KeyFiles} reads it). */
    Optional<Path> executorKeyFile();

    /** How many blocks must follow an execution transaction before it counts. */
    @WithDefault("1")
    int confirmations();
}
