package cloud.agora.agent.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The provider agent's configuration ({@code agent.*}; environment {@code AGENT_*} overrides). */
@ConfigMapping(prefix = "agent")
public interface AgentConfig {

    /** File holding the provider's private key (64 hex digits). Its address is the provider's identity. */
    Path keyFile();

    /** Where the journal, container bundles, runtimes and function bundles live. */
    @WithDefault("/var/lib/agora-agent")
    Path dataDir();

    /** The agent's public HTTPS base URL, given to the marketplace and the gateway. */
    @WithDefault("http://localhost:8090")
    String endpoint();

    /** Where this machine is (bids may require a region). */
    @WithDefault("local")
    String region();

    /** Free-form attributes published with the offer (bids may require them). */
    Map<String, String> attributes();

    /** The workload driver: {@code runc} (the default) or {@code kubernetes}. */
    @WithDefault("runc")
    String driver();

    /** Asking unit prices in wei. */
    PricesConfig prices();

    /** What of the machine may be sold. */
    CapacityConfig capacity();

    /** The marketplace this agent sells on. */
    MarketplaceConfig marketplace();

    /** The platform gateways whose grants this agent accepts. */
    GatewaysConfig gateways();

    /** Sign-In with Ethereum at the agent (only its own provider signs in). */
    AuthConfig auth();

    /** Container settings of the runc driver. */
    RuncConfig runc();

    /** Receipt journal and shipping to billing. */
    JournalConfig journal();

    /** The storage gateway function bundles are fetched from. */
    StorageGatewayConfig storageGateway();

    /** Limits on the function bundles this agent fetches and unpacks. */
    BundlesConfig bundles();

    /** Limits on the function images (OCI image archives) this agent fetches and unpacks. */
    ImagesConfig images();

    /** Billing, for HTTPS receipt batches ({@code AGENT_BILLING_URL}). */
    BillingConfig billing();

    /** Billing's base URL; without it receipts go to Kafka or wait in the journal. */
    interface BillingConfig {
        Optional<String> url();

        /** Longest wait for billing to acknowledge one batch. */
        @WithDefault("30s")
        Duration timeout();
    }

    /** The storage role (blocks of storage leases). */
    StorageConfig storage();

    /** Automatic redeeming of billing's vouchers on chain. */
    SettlementConfig settlement();

    /** Automatic redeem: off unless {@code auto-redeem} and the chain settings are given. */
    interface SettlementConfig {
        /** Redeem billing's vouchers when the increment is worth the gas. Needs {@code agent.billing.url}. */
        @WithDefault("false")
        boolean autoRedeem();

        /** Ethereum JSON-RPC URL ({@code AGENT_SETTLEMENT_RPC_URL}). */
        Optional<String> rpcUrl();

        @WithDefault("31337")
        long chainId();

        /** The {@code AgoraEscrow} address. */
        Optional<String> escrowAddress();

        /** Redeem only when increment × (1 − fee) exceeds this many wei (default 1e14: ~100k gas at 1 gwei). */
        @WithDefault("100000000000000")
        String gasCostEstimateWei();

        @WithDefault("10m")
        Duration interval();
    }

    /** Storage role settings; what is sold is {@code capacity.max-storage-gi-b}. */
    interface StorageConfig {
        /** Largest block accepted (IPFS blocks are at most 2 MiB; {@code ipfs add} makes 256 KiB chunks). */
        @WithDefault("2097152")
        int maxBlockBytes();
    }

    /** The storage gateway ({@code GET /ipfs/<cid>}, public, no token). */
    interface StorageGatewayConfig {
        /** Base URL ({@code AGENT_STORAGE_GATEWAY_URL}). */
        @WithDefault("http://localhost:8084")
        String url();

        /** Longest wait for one bundle download. */
        @WithDefault("60s")
        Duration timeout();
    }

    /** Bundle limits (the same defaults as the functions service accepts at upload). */
    interface BundlesConfig {
        /** Largest tar.gz fetched. */
        @WithDefault("52428800")
        long maxBytes();

        /** Largest total of the files one bundle unpacks to. */
        @WithDefault("268435456")
        long maxUnpackedBytes();

        /** Most entries in one bundle. */
        @WithDefault("10000")
        int maxEntries();
    }

    /** Image limits: an image is a whole root filesystem, so larger than a bundle. */
    interface ImagesConfig {
        /** Largest image archive fetched (the tar as stored by CID). */
        @WithDefault("1073741824")
        long maxBytes();

        /** Largest total of the layers' uncompressed tar streams (bounds what is decompressed and written). */
        @WithDefault("4294967296")
        long maxUnpackedBytes();

        /** Most entries over all layers. */
        @WithDefault("200000")
        int maxEntries();
    }

    /** Settings of the kubernetes driver (used when {@code agent.driver=kubernetes}). */
    KubernetesConfig kubernetes();

    /** Asking prices (wei per unit, decimal strings). */
    interface PricesConfig {
        @WithDefault("1000000")
        String perVcpuSecond();

        @WithDefault("100000")
        String perGibSecond();

        @WithDefault("1000000000")
        String perInvocation();

        @WithDefault("0")
        String perGibMonth();
    }

    /** Capacity limits: the offer is the probed machine minus the host reserve, capped by the maxima. */
    interface CapacityConfig {
        /** CPU kept for the host and the agent itself (thousandths of a core). */
        @WithDefault("500")
        int reserveCpuMillis();

        /** Memory kept for the host and the agent. */
        @WithDefault("1024")
        int reserveMemoryMiB();

        /** The most CPU sold, whatever the machine has. */
        Optional<Integer> maxCpuMillis();

        /** The most memory sold. */
        Optional<Integer> maxMemoryMiB();

        /** The most disk sold (GiB). */
        @WithDefault("0")
        int maxStorageGiB();

        /** Processes per container (the pids limit). */
        @WithDefault("64")
        int pidsPerContainer();

        /** Wall-clock limit per call when the caller gives none. */
        @WithDefault("30s")
        Duration defaultTimeout();

        /** The longest wall-clock limit a caller may ask for. */
        @WithDefault("300s")
        Duration maxTimeout();
    }

    /** The marketplace. Without a URL the agent runs stand-alone (no offer, no leases but those already known). */
    interface MarketplaceConfig {
        Optional<String> url();

        @WithDefault("10s")
        Duration heartbeatInterval();

        /** Full resync of leases (events are hints; this is the truth). */
        @WithDefault("30s")
        Duration resyncInterval();

        /**
         * How long after the marketplace's last full list of leases the agent keeps serving them while the marketplace
         * cannot be reached, across its own restarts ({@code leases.json} in the data directory).
         */
        @WithDefault("PT24H")
        Duration offlineLimit();
    }

    /**
     * Whose grants count. Configured keys win; when both lists are unset the agent learns them from the marketplace's
     * {@code GET /api/v1/gateways} (and so trusts the marketplace to name the platform's gateways), refusing every
     * call and storage request until it has.
     */
    interface GatewaysConfig {
        /** Functions gateways' addresses ({@code AGENT_GATEWAYS_FUNCTIONS}, comma-separated): invocation grants. */
        Optional<List<String>> functions();

        /** Storage gateways' addresses ({@code AGENT_GATEWAYS_STORAGE}, comma-separated): storage grants. */
        Optional<List<String>> storage();

        /** The clock difference tolerated between a gateway and this machine, either way. */
        @WithDefault("PT30S")
        Duration clockSkew();

        /** How often the agent asks the marketplace for the keys until it has learnt them (then: each resync). */
        @WithDefault("5s")
        Duration learnInterval();
    }

    /**
     * Sign-in for the provider's own view of its leases and workloads. The secret that signs challenges and tokens is
     * random per process (never the platform's {@code AGORA_AUTH_SECRET}); the SIWE domain and URI are those of
     * {@link #endpoint()}.
     */
    interface AuthConfig {
        /** The chain sign-in messages name (31337 is Anvil's). */
        @WithDefault("31337")
        long chainId();

        /** How long an access token is accepted. */
        @WithDefault("1h")
        Duration tokenLifetime();

        /** How long a sign-in challenge may be answered. */
        @WithDefault("5m")
        Duration challengeLifetime();
    }

    /** runc driver settings. */
    interface RuncConfig {
        @WithDefault("runc")
        String binary();

        /** Parent cgroup of every container. */
        @WithDefault("agora")
        String cgroupParent();

        /** Idle warm containers kept per function (0 = a fresh container per call). */
        @WithDefault("2")
        int warmMaxIdle();

        /** Idle warm containers older than this are removed. */
        @WithDefault("5m")
        Duration warmIdleTimeout();

        /**
         * Where the runtimes' root filesystems are built (the shell rootfs, the JVM image); default
         * {@code <data-dir>/runtimes}. Agents of one host may share one (its builds take a lock).
         */
        Optional<String> runtimesDir();
    }

    /** The journal and its shipper. */
    interface JournalConfig {
        /** Ship receipts to Kafka ({@code usage.receipts.v1}) when true; needs {@code kafka.bootstrap.servers}. */
        @WithDefault("true")
        boolean shipToKafka();

        /**
         * Where receipts go: {@code auto} (Kafka when {@code ship-to-kafka} and a broker are
         * configured, else HTTPS batches when {@code agent.billing.url} is set, else nowhere),
         * {@code kafka}, {@code http} or {@code none}.
         */
        @WithDefault("auto")
        String sink();

        /** First wait after a failed delivery; doubles per failure. */
        @WithDefault("1s")
        Duration minBackoff();

        /** Longest wait between delivery attempts. */
        @WithDefault("60s")
        Duration maxBackoff();

        @WithDefault("1s")
        Duration shipInterval();

        /**
         * How often the journal is compared with billing (anti-entropy over each lease's and UTC day's receipts, re-sending
         * those billing lacks); also once right after shipping recovers from a failure. HTTP sink only.
         */
        @WithDefault("10m")
        Duration reconcileInterval();

        @WithDefault("500")
        int batchSize();

        /** A journal segment is sealed at this size; opening the journal reads at most about one segment's receipts. */
        @WithDefault("1M")
        MemorySize segmentSize();

        /** Below this much free space on the journal's file system the agent admits no call (507 {@code journal-full}). */
        @WithDefault("64M")
        MemorySize minFreeSpace();

        /** How long sealed segments whose receipts were all shipped are kept (their roots and receipts are served meanwhile). */
        @WithDefault("P7D")
        Duration keep();
    }

    /** kubernetes driver settings; the cluster connection is the Quarkus Kubernetes client's ({@code quarkus.kubernetes-client.*}). */
    interface KubernetesConfig {
        /** Namespace of the function Pods; unset = the client's namespace (in a Pod: the agent's own). */
        Optional<String> namespace();

        /** Container image per runtime. */
        ImagesConfig images();

        /** How long a Pod may take to be scheduled, pull its image and start, on top of the call's timeout. */
        @WithDefault("60s")
        Duration startAllowance();

        /** Size of the memory-backed {@code /tmp} of a function Pod (counted in its memory limit). */
        @WithDefault("64")
        int tmpSizeMiB();

        /**
         * The most processes a function Pod may hold. The driver does not start where a Pod may hold more (the bound is
         * the kubelet's {@code podPidsLimit}; the runc driver's is {@code agent.capacity.pids-per-container}).
         */
        @WithDefault("1024")
        int maxPodPids();

        /** Start anyway, with a warning, where function Pods may hold more than {@code max-pod-pids} processes. */
        @WithDefault("false")
        boolean allowUnboundedPids();

        /** How long the pids probe Pod may take at start, image pull included, before the driver refuses to start. */
        @WithDefault("120s")
        Duration pidsCheckTimeout();

        /**
         * Images of the runtimes; each needs {@code /bin/sh} and {@code tail}, readable and runnable by any uid (a
         * Pod runs as its lease's own); the {@code shell} one also {@code sleep} (the pids probe at start runs it).
         */
        interface ImagesConfig {
            /** The {@code shell} runtime. */
            @WithDefault("busybox:1.36.1")
            String shell();

            /** The {@code jvm} runtime; unset = not offered. */
            Optional<String> jvm();
        }
    }
}
