package cloud.agora.agent.config;

import cloud.agora.agent.auth.ProviderSignIn;
import cloud.agora.agent.bundle.BundleStore;
import cloud.agora.agent.bundle.CidFetcher;
import cloud.agora.agent.gateway.GatewayDirectory;
import cloud.agora.agent.gateway.GatewayTrust;
import cloud.agora.agent.gateway.MarketplaceGatewayDirectory;
import cloud.agora.agent.gateway.StorageGrantCheck;
import cloud.agora.agent.image.ImageStore;
import cloud.agora.agent.inventory.InventoryProbe;
import cloud.agora.agent.inventory.OfferPublisher;
import cloud.agora.agent.invocation.InvocationClaims;
import cloud.agora.agent.invocation.InvocationGrants;
import cloud.agora.agent.invocation.InvocationRunner;
import cloud.agora.agent.journal.HttpUsageSink;
import cloud.agora.agent.journal.HttpBillingReceiptTree;
import cloud.agora.agent.journal.KafkaUsageSink;
import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.journal.ReceiptReconciler;
import cloud.agora.agent.journal.ReceiptShipper;
import cloud.agora.agent.journal.UsageSink;
import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.lease.SnapshotFile;
import cloud.agora.protocol.market.GatewayKeys;
import cloud.agora.agent.lease.Marketplace;
import cloud.agora.agent.lease.NoMarketplace;
import cloud.agora.agent.lease.RestMarketplace;
import cloud.agora.agent.metering.ReceiptSigner;
import cloud.agora.agent.runtime.RuntimeFailureException;
import cloud.agora.agent.settlement.HttpBillingVouchers;
import cloud.agora.agent.settlement.VoucherRedeemer;
import cloud.agora.agent.storage.BlockKeeper;
import cloud.agora.agent.storage.StoragePeriodReceipts;
import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.eth.Address;
import cloud.agora.agent.storage.BlockStore;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.agent.runtime.kubernetes.KubernetesRuntime;
import cloud.agora.agent.runtime.runc.RuncRuntime;
import cloud.agora.agent.runtime.runc.RuncSettings;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import cloud.agora.oci.OciLimits;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the agent's components from {@link AgentConfig}; each is a singleton with one owner of its state. */
@ApplicationScoped
public class AgentComponents {

    @Produces
    @Singleton
    ReceiptSigner signer(AgentConfig config) {
        try {
            return new ReceiptSigner(KeyFiles.read(config.keyFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the provider key file " + config.keyFile(), e);
        }
    }

    @Produces
    @Singleton
    WorkloadRuntime runtime(AgentConfig config, Instance<KubernetesClient> kubernetesClient, Clock clock) {
        if ("kubernetes".equals(config.driver())) {
            return KubernetesDriver.runtime(config.kubernetes(), kubernetesClient.get());
        }
        if (!"runc".equals(config.driver())) {
            throw new IllegalStateException("driver '" + config.driver() + "' is not available in this build (runc or kubernetes; "
                    + "see provider-agent/README.md)");
        }
        RuncRuntime.unusable(config.runc().binary()).ifPresent(reason -> {
            throw new RuntimeFailureException("the runc driver cannot run on this host: " + reason
                    + " (see provider-agent/README.md, \"cgroup support\")");
        });
        RuncSettings defaults = RuncSettings.under(config.dataDir(), config.runc().cgroupParent());
        RuncSettings settings = new RuncSettings(config.runc().binary(), defaults.stateRoot(), defaults.workDir(),
                config.runc().runtimesDir().map(Path::of).orElse(defaults.runtimesDir()), defaults.cgroupParent(),
                defaults.containerPrefix(), defaults.maxOutputBytes(),
                config.runc().warmMaxIdle(), config.runc().warmIdleTimeout(), defaults.tmpSizeMiB());
        RuncRuntime runtime = new RuncRuntime(settings, clock);
        runtime.prepareRuntimesInBackground();
        return runtime;
    }

    void closeRuntime(@Disposes WorkloadRuntime runtime) {
        runtime.close();
    }

    @Produces
    @Singleton
    ReceiptJournal journal(AgentConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrap) {
        try {
            // with anti-entropy, a segment leaves the disk only once billing settled its days
            return ReceiptJournal.open(config.dataDir().resolve("journal"), new ReceiptJournal.Limits(
                    config.journal().segmentSize().asLongValue(), config.journal().minFreeSpace().asLongValue(),
                    config.journal().keep(), reconciles(config, bootstrap)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the receipt journal", e);
        }
    }

    void closeJournal(@Disposes ReceiptJournal journal) throws IOException {
        journal.close();
    }

    @Produces
    @Singleton
    LeaseBook leaseBook() {
        return new LeaseBook();
    }

    @Produces
    @Singleton
    Marketplace marketplace(AgentConfig config, ReceiptSigner signer, Clock clock) {
        return config.marketplace().url().<Marketplace>map(url -> new RestMarketplace(url, signer.provider(), signer.key(), clock))
                .orElseGet(NoMarketplace::new);
    }

    @Produces
    @Singleton
    LeaseReconciler reconciler(AgentConfig config, Marketplace marketplace, WorkloadRuntime runtime, BlockStore blocks,
            LeaseBook book, Clock clock) {
        LeaseReconciler reconciler = new LeaseReconciler(marketplace, runtime, blocks, book,
                config.capacity().pidsPerContainer(), config.capacity().defaultTimeout(),
                new SnapshotFile<>(config.dataDir().resolve("leases.json"), LeaseReconciler.LeaseSnapshot.class),
                config.marketplace().offlineLimit(), clock);
        reconciler.restore();
        return reconciler;
    }

    @Produces
    @Singleton
    BlockStore blockStore(AgentConfig config) {
        return new BlockStore(config.dataDir().resolve("storage"), config.storage().maxBlockBytes());
    }

    @Produces
    @Singleton
    BlockKeeper blockKeeper(LeaseBook book, BlockStore blocks) {
        return new BlockKeeper(book, blocks);
    }

    @Produces
    @Singleton
    StoragePeriodReceipts storagePeriodReceipts(LeaseBook book, ReceiptSigner signer, ReceiptJournal journal,
            GatewayTrust trust, Clock clock) {
        return new StoragePeriodReceipts(book, signer, journal, trust, clock);
    }

    @Produces
    @Singleton
    BundleStore bundleStore(AgentConfig config) {
        AgentConfig.BundlesConfig b = config.bundles();
        return new BundleStore(config.dataDir().resolve("bundles"), config.storageGateway().url(),
                config.storageGateway().timeout(), b.maxBytes(), b.maxUnpackedBytes(), b.maxEntries());
    }

    /** Function images by CID, under {@code <data-dir>/images}. */
    @Produces
    @Singleton
    ImageStore imageStore(AgentConfig config) {
        AgentConfig.ImagesConfig i = config.images();
        return new ImageStore(config.dataDir().resolve("images"),
                new CidFetcher(config.storageGateway().url(), config.storageGateway().timeout()),
                new OciLimits(i.maxBytes(), i.maxUnpackedBytes(), i.maxEntries()));
    }

    /**
     * The gateway keys trusted: the configured lists (an unset one trusts none of its kind), or, when both are unset,
     * those the marketplace publishes (learnt by {@link AgentLoops}).
     */
    @Produces
    @Singleton
    GatewayTrust gatewayTrust(AgentConfig config) {
        AgentConfig.GatewaysConfig g = config.gateways();
        if (g.functions().isEmpty() && g.storage().isEmpty()) {
            return GatewayTrust.learning(g.clockSkew(), new SnapshotFile<>(config.dataDir().resolve("gateways.json"),
                    GatewayKeys.class));
        }
        return GatewayTrust.configured(addresses("agent.gateways.functions", g.functions()),
                addresses("agent.gateways.storage", g.storage()), g.clockSkew());
    }

    private static List<Address> addresses(String property, Optional<List<String>> values) {
        return values.orElse(List.of()).stream().map(String::strip).filter(v -> !v.isEmpty()).map(v -> {
            try {
                return Address.parse(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(property + " holds '" + v + "', not an address: " + e.getMessage(), e);
            }
        }).toList();
    }

    @Produces
    @Singleton
    GatewayDirectory gatewayDirectory(AgentConfig config) {
        return config.marketplace().url().<GatewayDirectory>map(MarketplaceGatewayDirectory::new).orElse(GatewayDirectory.NONE);
    }

    @Produces
    @Singleton
    StorageGrantCheck storageGrantCheck(GatewayTrust trust, ReceiptSigner signer, Clock clock) {
        return new StorageGrantCheck(trust, signer.provider(), clock);
    }

    @Produces
    @Singleton
    InvocationClaims invocationClaims(ReceiptJournal journal, AgentConfig config, Clock clock) {
        return new InvocationClaims(journal, config.dataDir().resolve("claims"), clock.instant());
    }

    @Produces
    @Singleton
    InvocationRunner invocationRunner(AgentConfig config, GatewayTrust trust, LeaseBook book, InvocationClaims claims,
            LeaseReconciler reconciler, WorkloadRuntime runtime, ReceiptSigner signer, ReceiptJournal journal,
            BundleStore bundles, ImageStore images, Clock clock) {
        InvocationGrants grants = new InvocationGrants(trust, signer.provider(), book, claims);
        return new InvocationRunner(grants, reconciler, runtime, signer, journal, bundles, config.capacity().maxTimeout(), clock,
                images);
    }

    /** This process's access tokens, under a random secret made at start (never the platform's). */
    @Produces
    @Singleton
    AccessTokens accessTokens(AgentConfig config) {
        return new AccessTokens(ProviderSignIn.freshSecret(), config.auth().tokenLifetime());
    }

    /** Sign-in for the provider only; the SIWE domain and URI are the agent's endpoint. */
    @Produces
    @Singleton
    ProviderSignIn providerSignIn(AgentConfig config, ReceiptSigner signer, AccessTokens tokens, Clock clock) {
        URI endpoint = URI.create(config.endpoint());
        String domain = endpoint.getRawAuthority() == null ? config.endpoint() : endpoint.getRawAuthority();
        return ProviderSignIn.of(signer.provider(), domain, config.endpoint(), config.auth().chainId(),
                config.auth().challengeLifetime(), tokens, clock);
    }

    @Produces
    @Singleton
    InventoryProbe inventoryProbe(AgentConfig config, WorkloadRuntime runtime, LeaseBook book) {
        AgentConfig.CapacityConfig c = config.capacity();
        // the runc driver's list is asked each time: the jvm runtime leaves it if its image cannot be built
        Supplier<List<String>> runtimes = runtime instanceof RuncRuntime runc ? runc::runtimes
                : runtime instanceof KubernetesRuntime kubernetes ? kubernetes::runtimes : List::of;
        return new InventoryProbe(config.dataDir(), new Resources(c.reserveCpuMillis(), c.reserveMemoryMiB(), 0),
                c.maxCpuMillis().map(Integer::longValue).orElse(null), c.maxMemoryMiB().map(Integer::longValue).orElse(null),
                c.maxStorageGiB(), () -> List.of(runtime.driver()), runtimes, book);
    }

    @Produces
    @Singleton
    OfferPublisher offerPublisher(AgentConfig config, Marketplace marketplace, InventoryProbe probe, ReceiptSigner signer) {
        AgentConfig.PricesConfig p = config.prices();
        Prices prices = new Prices(Wei.parse(p.perVcpuSecond()), Wei.parse(p.perGibSecond()), Wei.parse(p.perInvocation()),
                Wei.parse(p.perGibMonth()));
        return new OfferPublisher(marketplace, probe, signer.provider(), config.endpoint(), config.region(), config.attributes(),
                prices);
    }

    /**
     * Ships to Kafka when it is on and a broker is configured, else as HTTPS batches to billing
     * when its URL is set ({@code agent.journal.sink} forces one); otherwise receipts wait in the journal.
     */
    @Produces
    @Singleton
    ReceiptShipper shipper(AgentConfig config, ReceiptJournal journal, ReceiptSigner signer,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrap, Clock clock) {
        AgentConfig.JournalConfig j = config.journal();
        UsageSink usageSink = switch (sinkKind(config, bootstrap)) {
            case "kafka" -> new KafkaUsageSink(bootstrap.orElseThrow(() -> new IllegalStateException(
                    "agent.journal.sink=kafka needs kafka.bootstrap.servers")), Duration.ofSeconds(30), signer.key());
            case "http" -> httpSink(config, signer, clock);
            case "none" -> null;
            default -> throw new IllegalStateException("agent.journal.sink must be auto, kafka, http or none, not " + j.sink());
        };
        return new ReceiptShipper(journal, usageSink, j.batchSize(), j.minBackoff(), j.maxBackoff(), System::nanoTime);
    }

    /**
     * Anti-entropy with billing over HTTPS when receipts ship over HTTPS (the HTTP sink and {@code agent.billing.url}),
     * asked for a pass whenever shipping recovers from a failure. Off with the Kafka sink: the broker acknowledged
     * every shipped receipt ({@code acks=all}) and billing reads the topic from its committed offsets, so a receipt
     * cannot be lost between them, while billing's view lags the acknowledgement and a comparison would report
     * receipts still in flight.
     */
    @Produces
    @Singleton
    ReceiptReconciler receiptReconciler(AgentConfig config, ReceiptJournal journal, ReceiptSigner signer, ReceiptShipper shipper,
            @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrap, Clock clock) {
        // with billing's URL, whatever the sink: what billing lacks goes again as an HTTPS batch (billing keeps a
        // receipt once by id, so one still on its way through Kafka costs a second delivery, not a second charge)
        if (!reconciles(config, bootstrap)) {
            return new ReceiptReconciler(journal, null, null);
        }
        ReceiptReconciler reconciler = new ReceiptReconciler(journal, new HttpBillingReceiptTree(config.billing().url().orElseThrow(),
                signer.key(), config.billing().timeout(), clock), httpSink(config, signer, clock));
        shipper.onRecovery(reconciler::requestPass);
        return reconciler;
    }

    /** Whether anti-entropy runs: billing's URL is known and receipts are shipped at all. */
    private static boolean reconciles(AgentConfig config, Optional<String> bootstrap) {
        return config.billing().url().isPresent() && !"none".equals(sinkKind(config, bootstrap));
    }

    /** The sink {@code agent.journal.sink} names, {@code auto} resolved. */
    private static String sinkKind(AgentConfig config, Optional<String> bootstrap) {
        AgentConfig.JournalConfig j = config.journal();
        if ("auto".equals(j.sink())) {
            return j.shipToKafka() && bootstrap.isPresent() ? "kafka" : config.billing().url().isPresent() ? "http" : "none";
        }
        return j.sink();
    }

    private static HttpUsageSink httpSink(AgentConfig config, ReceiptSigner signer, Clock clock) {
        return new HttpUsageSink(config.billing().url().orElseThrow(() -> new IllegalStateException(
                "agent.journal.sink=http needs agent.billing.url")), signer.key(), config.billing().timeout(), clock);
    }

    /** The voucher redeemer, or a placeholder that does nothing when automatic redeem is off. */
    @Produces
    @Singleton
    RedeemSchedule redeemSchedule(AgentConfig config, ReceiptSigner signer, Clock clock) {
        AgentConfig.SettlementConfig s = config.settlement();
        if (!s.autoRedeem()) {
            return new RedeemSchedule(null);
        }
        String billing = config.billing().url().orElseThrow(() -> new IllegalStateException(
                "agent.settlement.auto-redeem needs agent.billing.url"));
        String rpc = s.rpcUrl().orElseThrow(() -> new IllegalStateException("agent.settlement.auto-redeem needs agent.settlement.rpc-url"));
        String escrowAddress = s.escrowAddress().orElseThrow(() -> new IllegalStateException(
                "agent.settlement.auto-redeem needs agent.settlement.escrow-address"));
        Escrow escrow = Chain.connect(ChainSettings.remote(rpc, s.chainId())).escrow(Address.parse(escrowAddress));
        return new RedeemSchedule(new VoucherRedeemer(new HttpBillingVouchers(billing, signer.provider(), signer.key(), clock), escrow,
                Signer.of(signer.key()), Wei.parse(s.gasCostEstimateWei())));
    }

    @Produces
    @DefaultBean
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
