package cloud.agora.governance.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** The AgoraEscrow whose fee and withdrawal delay governance sets (through the timelock, its executor). */
    String escrowAddress();

    /**
     * The AgoraTimelock that is the escrow's executor. When not set, the escrow's executor is taken; when set, it
     * must be the escrow's executor (governance refuses to schedule otherwise).
     */
    Optional<String> timelockAddress();

    /**
     * The guardians: addresses that hold the timelock's canceller role and may cancel a scheduled change during its
     * delay (comma-separated). Governance schedules nothing while one of them cannot cancel on the timelock, and shows
     * them at {@code GET /api/v1/timelock}. Guardians act on chain with their own keys, never through this service.
     */
    Optional<List<String>> guardians();

    /** Not used by governance (the devnet hands it to every service). */
    Optional<String> treasuryAddress();

    /**
     * Governance's key (hex): the timelock's proposer and executor, which schedules and executes passed changes (it
     * is no longer the escrow's executor itself); prefer {@link #executorKeyFile()} outside tests.
     */
    Optional<String> executorKey();

    /** A file holding governance's key (hex, as {@code KeyFiles} reads it). */
    Optional<Path> executorKeyFile();

    /**
     * How many blocks must contain or follow a schedule, execute or cancel transaction before it counts. The default
     * suits a public network; a local node that mines only on a transaction (Anvil) needs 1.
     */
    @WithDefault("2")
    int confirmations();

    /** How often to ask the node for a receipt or a new block (a public network: 1 s; a local node: a few ms). */
    @WithDefault("1s")
    Duration pollInterval();

    /** How long a transaction may take to be mined before it counts as failed (a public network: minutes). */
    @WithDefault("5m")
    Duration receiptTimeout();
}
