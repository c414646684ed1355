package cloud.agora.functions.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the functions service ({@code agora.functions.*}). */
@ConfigMapping(prefix = "agora.functions")
public interface FunctionsConfig {

    /**
     * The AES-256 key that seals secret environment values, base64 of 32 bytes. From the
     * environment ({@code AGORA_FUNCTIONS_SECRET_KEY}) or a file, never from committed properties.
     */
    String secretKey();

    /** Largest accepted bundle (the compressed tar.gz as uploaded). */
    @WithDefault("52428800")
    long maxBundleBytes();

    /** Largest total size of the files a bundle unpacks to (guards against gzip bombs). */
    @WithDefault("268435456")
    long maxUnpackedBytes();

    /** Most entries (files, directories, links) in one bundle. */
    @WithDefault("10000")
    int maxBundleEntries();

    /**
     * Largest OCI image archive a version may bring until governance decides otherwise: the default of the governed
     * {@code functions.max-image-size} (governance's own default, 256 MiB).
     */
    @WithDefault("268435456")
    long maxImageBytes();

    /** Largest total size of the files an image unpacks to. */
    @WithDefault("1073741824")
    long maxImageUnpackedBytes();

    /** Most entries (files, directories, links) in all of an image's layers. */
    @WithDefault("200000")
    int maxImageEntries();

    /**
     * Largest request body the invocation gateway forwards to a function until governance decides otherwise: the
     * default of the governed {@code functions.max-body-size} (governance's own default, 6 MiB).
     */
    @WithDefault("6291456")
    int maxInvocationBytes();

    /**
     * Longest timeout a function may declare until governance decides otherwise: the default of the governed
     * {@code functions.max-timeout} (governance's own default, 5 minutes).
     */
    @WithDefault("PT5M")
    java.time.Duration maxTimeout();

    /** How long to wait for an agent's TCP connection before trying another replica. */
    @WithDefault("1s")
    java.time.Duration agentConnectTimeout();

    /**
     * The gateway's Ethereum key file (64 hex digits; {@code AGORA_FUNCTIONS_GATEWAY_KEY_FILE}). Required: it signs
     * the {@code InvocationGrant} of every call (agents run nothing without one) and the witness batches of the
     * receipts the gateway found within bounds. The service does not start without it.
     */
    java.nio.file.Path gatewayKeyFile();

    /**
     * How long a grant is valid after it is issued: the latest moment the agent may start the call. Short, because a
     * grant is sent at once; long enough for a cold bundle fetch before the start.
     */
    @WithDefault("PT30S")
    java.time.Duration grantValidity();

    /**
     * The clock difference tolerated between this gateway and the agents when a receipt's times are compared with
     * the grant's window and with what the gateway saw (the same default as billing's {@code clock-skew} and the
     * agents' {@code gateways.clock-skew}).
     */
    @WithDefault("PT30S")
    java.time.Duration clockSkew();

    /**
     * Whether agent endpoints may be loopback, private or link-local addresses ({@code AGORA_FUNCTIONS_LOCAL_NETWORK}):
     * true only for a deployment on one local network (the one-machine launcher). False: such endpoints are never
     * called, probed or sent a grant.
     */
    @WithDefault("false")
    boolean localNetwork();

    /**
     * How long the verdict on an agent endpoint (its host resolves only to public addresses) is reused before the
     * host is resolved again, so the call path does not resolve DNS per call.
     */
    @WithDefault("30s")
    java.time.Duration endpointCheckTtl();

    /**
     * How long the gateway reuses what it read about where a function's calls go (function,
     * active deployment, version) before reading it again. Changes made through this instance
     * apply at once; another instance's (several gateway replicas) within this time.
     */
    @WithDefault("1s")
    java.time.Duration routingCacheTtl();

    /**
     * How long the recorder waits after an answered call for more before it records them together (one transaction).
     * Answers wait for their record, so this adds to every call; 0: the calls answered during a commit are the next
     * transaction (group commit). Reads of usage and logs never wait for it.
     */
    @WithDefault("0ms")
    java.time.Duration recordLinger();

    /**
     * The longest an answer waits for its call's record and witness while the database is away; it then goes out with
     * the recording still queued (lost if the gateway dies before the database returns).
     */
    @WithDefault("5s")
    java.time.Duration recordWait();

    /** Most answered calls recorded in one transaction. */
    @WithDefault("500")
    int recordBatch();

    /** Answered calls waiting to be recorded at which the gateway refuses new calls (503 gateway-overloaded). */
    @WithDefault("10000")
    int recordBacklog();

    /**
     * How long log lines are kept after they were recorded until governance decides otherwise (the default of the
     * governed {@code functions.log-retention}).
     */
    @WithDefault("P7D")
    java.time.Duration logRetention();

    /** How often log lines older than the retention period are deleted (off the call path). */
    @WithDefault("1m")
    java.time.Duration logRetentionInterval();

    /** Most log lines deleted in one transaction by the retention sweep (it repeats until none is left). */
    @WithDefault("10000")
    int logRetentionBatch();

    /** Longest stderr line kept (longer lines are cut and marked with a trailing '…'). */
    @WithDefault("4096")
    int logLineChars();

    /** Most attempts of an async invocation whose call could not start, before it is dead-lettered. */
    @WithDefault("5")
    int asyncAttempts();

    /** Wait before the second attempt; doubled before each further one. */
    @WithDefault("1s")
    java.time.Duration asyncBackoff();

    /** An async invocation QUEUED or RUNNING unchanged this long is run again by the sweeper (lost wake-up, crash). */
    @WithDefault("10m")
    java.time.Duration asyncStuckAfter();

    /** How often the sweeper looks for async invocations stuck longer than {@code async-stuck-after}. */
    @WithDefault("30s")
    java.time.Duration asyncSweep();

    /**
     * How often the gateway publishes what it saw of each provider's calls ({@code functions.observations.v1}, the
     * evidence of the providers' reputation); a gateway that dies loses at most this long's counts. A duration
     * ({@code 10s}), or {@code off}: then it publishes only when asked ({@code CallObserver.publish}) and when it
     * stops. Kept as the scheduler reads it, which refuses any other value at start.
     */
    @WithDefault("10s")
    String observationInterval();

    /**
     * How often (and at start) bids recorded as intended but never recorded as placed — the marketplace could not be
     * reached, or the service stopped between placing and recording — are placed again with their idempotency key.
     */
    @WithDefault("30s")
    java.time.Duration bidResumeInterval();

    /** How many async invocations run at once in this instance. */
    @WithDefault("16")
    int asyncWorkers();

    /** Calls per second one caller (bearer address, else client IP) may make at /fn and async submission. */
    @WithDefault("100")
    double rateLimitPerSecond();

    /** Calls one caller may make at once before the rate applies. */
    @WithDefault("200")
    double rateLimitBurst();

    /**
     * Followed log streams ({@code GET .../logs?follow=true}) one developer may hold open at once, per gateway
     * instance: each polls PostgreSQL until it is closed.
     */
    @WithDefault("4")
    int maxLogStreamsPerCaller();

    /** How often every replica's agent is probed at {@code GET /q/health}. */
    @WithDefault("5s")
    java.time.Duration healthInterval();

    /** Failed probes in a row after which an agent gets no calls until a probe passes. */
    @WithDefault("3")
    int healthFailures();

    /**
     * How long an agent may fail every probe before its replicas are given up: their leases are closed for the
     * developer (who stops paying for them) and replacement replicas are bid for. The marketplace keeps a silent
     * provider's leases, so without this a dead agent's replica would never be replaced.
     */
    @WithDefault("60s")
    java.time.Duration replaceUnhealthyAfter();

    /**
     * How long after its grant a call's receipt is rated by billing at the latest, for the spending budget
     * ({@code SpendingBudget}): the gateways hold the most that the calls they granted since this long before billing's
     * newest credit figure can cost under that figure. Covers the recording, the agent's shipping, billing's ingestion
     * and the clock skew between gateway and billing; a receipt rated later than this is outside the bound.
     */
    @WithDefault("60s")
    java.time.Duration spendingRatingLag();

    /**
     * How long a gateway instance grants calls against one claimed share of a developer's credit before it gives back
     * what it did not use and claims again.
     */
    @WithDefault("5s")
    java.time.Duration spendingClaimLife();

    /** When scaled deployments ({@code scaling} in the deploy order) add and give up replicas. */
    Scaling scaling();

    /** {@code agora.functions.scaling.*}. */
    interface Scaling {

        /** How often each scaled deployment's calls in flight are sampled and a decision taken. */
        @WithDefault("1s")
        java.time.Duration interval();

        /** Over how long the calls in flight must average above the target per replica before a replica is added. */
        @WithDefault("3s")
        java.time.Duration upWindow();

        /**
         * The idle time until governance decides the governed {@code functions.scale-down-after}: for how long the
         * calls in flight must stay within what one replica fewer serves before a replica is given up.
         */
        @WithDefault("60s")
        java.time.Duration downAfter();

        /**
         * How long a call of a deployment with no replica (scaled to zero) waits for one: the bid, the lease and its
         * agent; past it the call is {@code 503 no-replica-reachable}.
         */
        @WithDefault("60s")
        java.time.Duration wakeTimeout();

        /**
         * How long a call of a scaled deployment every replica refused for a lease its agent does not hold yet
         * ({@code 404 lease-not-held}: a replica just leased) is tried again, every 200 ms.
         */
        @WithDefault("10s")
        java.time.Duration leaseWait();
    }
}
