package cloud.agora.storage.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
}
