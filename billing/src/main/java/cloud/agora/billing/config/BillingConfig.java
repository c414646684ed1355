package cloud.agora.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Billing's rules and wiring. Values marked "governed" are platform parameters that governance changes
 * (through {@code governance.decisions.v1} once that service exists; through configuration until then).
 */
@ConfigMapping(prefix = "agora.billing")
public interface BillingConfig {

    /** Ingestion of usage receipts. */
    Ingestion ingestion();

    /** Cumulative vouchers signed with billing's delegate key. */
    Vouchers vouchers();

    /** Following the escrow on chain. */
    Settlement settlement();

    /** Credit control. */
    Credit credit();

    /** Disputes over charges. */
    Disputes disputes();

    /**
     * The platform gateways' addresses (DESIGN, "gateway key"; env {@code AGORA_BILLING_GATEWAYS}, comma-separated):
     * billing rates a receipt only when one of these keys witnessed it (counter-signed its hash). Required: billing
     * refuses to start without at least one, since without a witness any provider could mint usage.
     */
    Optional<List<String>> gateways();

    /**
     * The storage gateways' addresses (env {@code AGORA_BILLING_STORAGE_GATEWAYS}, comma-separated): a storage lease's
     * periods are rated only with one of these keys' witness, and these keys witness nothing else. Without them no
     * storage period is rated.
     */
    Optional<List<String>> storageGateways();

    /**
     * The storage period (protocol's {@code StoragePeriods}): a storage lease is charged one receipt per period, the
     * periods starting at whole multiples of it since the epoch. Agents and storage gateways use the same.
     */
    @WithDefault("PT1H")
    Duration storagePeriod();

    /**
     * How long a receipt without the gateway's witness (the agent's copy) waits for its counter-signed twin before it
     * is quarantined {@code unwitnessed} (governed: {@code billing.witness-window}).
     */
    @WithDefault("PT10M")
    Duration witnessWindow();

    /** How often receipts that waited longer than the witness window are quarantined. */
    @WithDefault("30s")
    Duration witnessSweepInterval();

    /** How often the backlogs shown on {@code /q/metrics} are read from the database (a scrape reads no table). */
    @WithDefault("15s")
    Duration metricsInterval();

    /**
     * The clock difference tolerated between the gateway and the provider when a receipt's start is checked against
     * its grant's window ({@code ReceiptBounds}).
     */
    @WithDefault("PT30S")
    Duration clockSkew();

    interface Ingestion {
        /** Consume {@code usage.receipts.v1} and {@code marketplace.leases.v1} (off: HTTP batches only). */
        @WithDefault("true")
        boolean kafka();

        /** The consumer group of billing's replicas. */
        @WithDefault("billing")
        String consumerGroup();

        /**
         * Kafka static membership ({@code group.instance.id}): a replica restarted after a crash takes its partitions
         * back at once instead of after the session timeout. Unique per replica; unset for dynamic membership.
         */
        Optional<String> instanceId();

        /**
         * How long the group waits for a replica that stopped heartbeating (a SIGKILLed or cut-off one) before its
         * partitions go to the others ({@code session.timeout.ms}); unset: Kafka's default, 45 s.
         */
        Optional<Duration> sessionTimeout();

        /** The most records rated in one database transaction (one offset commit each). */
        @WithDefault("2000")
        int batchSize();

        /** The most receipts one {@code POST /api/v1/usage/batches} may carry. */
        @WithDefault("5000")
        int maxHttpBatch();
    }

    interface Vouchers {
        /** Sign vouchers at all (needs a delegate key and a chain). */
        @WithDefault("true")
        boolean enabled();

        /** The delegate key file (hex private key); the environment's AGORA_BILLING_DELEGATE_KEY wins. */
        Optional<Path> delegateKeyFile();

        /** The delegate key as hex (only from the environment or a test profile; never commit one). */
        Optional<String> delegateKey();

        /** A new voucher is signed when a pair's unvouchered charges reach this many wei (governed). */
        @WithDefault("1000000000000000")
        String threshold();

        /** ... or when the pair's last voucher is older than this and charges are waiting (governed). */
        @WithDefault("1h")
        Duration period();

        /** How often pairs are examined. */
        @WithDefault("2s")
        Duration interval();
    }

    interface Settlement {
        /** Follow the escrow's events. */
        @WithDefault("true")
        boolean enabled();

        /** Blocks that must follow an event's block before it counts (1 = mined). */
        @WithDefault("2")
        int confirmations();

        /** How often to look for new blocks. */
        @WithDefault("1s")
        Duration interval();

        /** The most blocks asked for in one log query. */
        @WithDefault("2000")
        int maxBlockRange();

        /** The block to start following from on an empty database. */
        @WithDefault("0")
        long startBlock();
    }

    interface Credit {
        /** Balance minus unpaid below this pauses a developer's deployments (governed), in wei. */
        @WithDefault("0")
        String floor();
    }

    interface Disputes {
        /**
         * How long after a call ended its developer may dispute its charge (governed: {@code billing.dispute-window}).
         */
        @WithDefault("P7D")
        Duration window();

        /** How long the provider may answer a dispute before it is decided without its answer. */
        @WithDefault("PT24H")
        Duration answerWindow();

        /** How often disputes whose answer window ended are decided. */
        @WithDefault("5s")
        Duration interval();
    }
}
