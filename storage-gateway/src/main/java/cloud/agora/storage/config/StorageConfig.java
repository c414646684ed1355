package cloud.agora.storage.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/** The storage gateway's settings ({@code agora.storage.*}). */
@ConfigMapping(prefix = "agora.storage")
public interface StorageConfig {

    /** Which backend holds the blocks. */
    enum Backend {
        /** The embedded blockstore on local disk (one machine). */
        EMBEDDED,
        /** A Kubo node through its HTTP RPC API ({@code quarkus.rest-client.kubo.url}). */
        KUBO
    }

    /** Which backend holds the blocks. */
    @WithDefault("embedded")
    Backend backend();

    /** The embedded blockstore. */
    Blockstore blockstore();

    /** Uploads. */
    Upload upload();

    /** The Pinning Service API. */
    Pins pins();

    /** Copies of pinned DAGs on storage providers, bought on the marketplace, and their audits. */
    Replication replication();

    /** What {@code /q/metrics} shows. */
    Metrics metrics();

    /**
     * The gateway's Ethereum key file (hex private key; env {@code AGORA_STORAGE_KEY_FILE}): it signs in to the
     * marketplace, places the storage bids for the accounts that pay for them, signs the storage grants agents demand
     * and witnesses the storage periods replicas held. Without it, pins asking for replicas fail with a clear status.
     */
    Optional<Path> keyFile();

    /**
     * Whether agents may be reached at loopback, link-local, private or reserved addresses (env
     * {@code AGORA_STORAGE_LOCAL_NETWORK}). Only for a deployment whose agents all live on one local network (the
     * one-machine launcher): otherwise a provider could register an endpoint that turns the gateway's calls against
     * the platform's own network.
     */
    @WithDefault("false")
    boolean localNetwork();

    /**
     * How long a storage grant is valid (env {@code AGORA_STORAGE_GRANT_VALIDITY}). The gateway reuses a grant for
     * the same lease and provider until a quarter of this remains, so it signs about one grant per lease per
     * three quarters of it; a leaked grant opens only that lease at that provider, for at most this long.
     */
    @WithDefault("PT60S")
    Duration grantValidity();

    /** The embedded blockstore on local disk. */
    interface Blockstore {

        /** Its folder: {@code blocks/} (one file per block) and {@code staging/} (uploads in flight). */
        @WithDefault("state/storage-gateway")
        Path path();

        /**
         * Whether each block is forced to disk before an upload is acknowledged. Off only for
         * throwaway stores: a crash could then lose blocks of acknowledged uploads.
         */
        @WithDefault("true")
        boolean fsync();
    }

    /** Uploads through {@code POST /api/v1/objects}. */
    interface Upload {

        /** The largest object accepted, in bytes (larger ones get 413 and nothing is stored). */
        @WithDefault("4294967296")
        long maxSize();

        /** The CID version when the request names none ({@code ?cid-version=}). */
        @WithDefault("1")
        int defaultCidVersion();

        /**
         * The bytes an account may have stored through uploads (each object it uploaded counted once, at its size);
         * an upload that would pass it gets 413 {@code storage-quota-exceeded} and nothing is stored. 1 GiB.
         */
        @WithDefault("1073741824")
        long quotaPerAccount();

        /**
         * The bytes an account may have stored through uploads without paid storage (enough for function bundles);
         * past it, up to {@link #quotaPerAccount()}, only while billing collects from the account, else 402
         * {@code storage-not-paid} and nothing is stored. 64 MiB.
         */
        @WithDefault("67108864")
        long freeQuotaPerAccount();
    }

    /** The IPFS Pinning Service API at {@code /pins}. */
    interface Pins {

        /**
         * The multiaddrs returned as {@code PinStatus.delegates} (the spec requires at least one):
         * the peers that take transfers for this service, i.e. the Kubo node's swarm addresses.
         */
        @WithDefault("/ip4/127.0.0.1/tcp/4001")
        List<String> delegates();

        /** How often queued pins are picked up (also nudged right after each request). */
        @WithDefault("2s")
        Duration workerInterval();
    }

    /** Replicated storage on providers. */
    interface Replication {

        /** Replicas for a pin whose {@code meta} names no {@code replication}; 0 = only the gateway's own store. */
        @WithDefault("0")
        int defaultReplicas();

        /** The marketplace's base URL (env {@code AGORA_MARKETPLACE_URL}). */
        @WithDefault("http://localhost:8081")
        String marketplaceUrl();

        /** The highest price per GiB-month the gateway bids, in wei. */
        @WithDefault("1000000000000000000")
        BigInteger maxPricePerGibMonth();

        /** How long a storage bid may wait for its leases. */
        @WithDefault("60s")
        Duration matchTimeout();

        /** How often every active replica is challenged. */
        @WithDefault("60s")
        Duration auditInterval();

        /** How long an agent has to answer a challenge; later is a failed audit. */
        @WithDefault("10s")
        Duration challengeDeadline();

        /**
         * The storage period (env {@code AGORA_STORAGE_PERIOD}; protocol's {@code StoragePeriods}): a replica's lease
         * is charged one receipt per period, the periods starting at whole multiples of it since the epoch, and the
         * gateway witnesses each period a replica held once it ended and the replica passed an audit. It must equal
         * billing's {@code agora.billing.storage-period} and the agents' setting: a period of another length is
         * refused by both.
         */
        @WithDefault("PT1H")
        Duration storagePeriod();
    }

    /** What {@code /q/metrics} shows. */
    interface Metrics {

        /**
         * How often the gauges of what the gateway keeps (objects, stored bytes, pin requests and replicas by state)
         * are counted again from the database: counting them at every scrape would put a query per gauge on it.
         */
        @WithDefault("15s")
        Duration refreshInterval();
    }
}
