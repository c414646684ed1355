package cloud.agora.marketplace.domain;

import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import cloud.agora.marketplace.config.MarketConfig;
import cloud.agora.marketplace.persistence.ReputationStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.reputation.ReputationSnapshot;
import cloud.agora.protocol.reputation.ReputationView;
import cloud.agora.support.jdbc.StoreException;
import cloud.agora.support.writer.SingleWriter;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Publishes every provider's reputation with the hourly evidence it sums, every
 * {@code agora.market.reputation.snapshot-interval}, as a JSON document addressed by its CID (CIDv1, raw leaves, 256 KiB
 * chunks: what {@code ipfs add --cid-version=1 --raw-leaves} gives the same bytes). The writer publishes; the newest
 * {@value #KEEP} are kept and served by any instance.
 */
@ApplicationScoped
public class ReputationSnapshots {

    static final int KEEP = 168;

    private final ReputationLedger ledger;
    private final ReputationStore store;
    private final MarketRules rules;
    private final MarketConfig.Reputation config;
    private final SingleWriter writer;

    public ReputationSnapshots(ReputationLedger ledger, ReputationStore store, MarketRules rules,
            MarketConfig config, SingleWriter writer) {
        this.ledger = ledger;
        this.store = store;
        this.rules = rules;
        this.config = config.reputation();
        this.writer = writer;
    }

    @Scheduled(every = "${agora.market.reputation.snapshot-interval:1h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (writer.isWriter()) {
            publish();
        }
    }

    /** Builds, addresses and keeps a snapshot of now. */
    public ReputationSnapshot.Published publish() {
        Map<Address, ReputationView> views = ledger.views(ledger.presence());
        if (views.isEmpty()) {
            return null;
        }
        ReputationView any = views.values().iterator().next();
        List<ReputationStore.HourRow> rows;
        try {
            rows = store.hours(any.from());
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        Map<Address, List<ReputationSnapshot.Hour>> hours = rows.stream().collect(Collectors.groupingBy(
                ReputationStore.HourRow::provider, Collectors.mapping(ReputationSnapshots::hour, Collectors.toList())));
        List<ReputationSnapshot.Provider> providers = new ArrayList<>();
        views.values().stream().sorted(Comparator.comparing(v -> v.provider().value())).forEach(view ->
                providers.add(new ReputationSnapshot.Provider(view, hours.getOrDefault(view.provider(), List.of()))));
        ReputationSnapshot snapshot = new ReputationSnapshot(any.to(), any.from(), any.to(),
                config.overheadTarget().toMillis(), rules.heartbeatTimeout().toMillis(), ReputationScore.FORMULA,
                providers);
        byte[] body = JsonCodec.write(snapshot).getBytes(StandardCharsets.UTF_8);
        String cid = cidOf(body);
        try {
            store.saveSnapshot(cid, snapshot.generatedAt(), body, KEEP);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        return new ReputationSnapshot.Published(cid, snapshot.generatedAt(), body.length);
    }

    public List<ReputationSnapshot.Published> list() {
        try {
            return store.snapshots(KEEP);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    public Optional<byte[]> get(String cid) {
        try {
            return store.snapshot(cid);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** The CID {@code ipfs add --cid-version=1 --raw-leaves} gives {@code body}. */
    public static String cidOf(byte[] body) {
        try {
            return FileImporter.importFile(new ByteArrayInputStream(body), DagLayout.KUBO_CID_V1, (c, b, n) -> { })
                    .root().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ReputationSnapshot.Hour hour(ReputationStore.HourRow row) {
        ReputationFacts f = row.facts();
        return new ReputationSnapshot.Hour(row.hour(), f.calls(), f.answered(), f.functionFailures(), f.agentErrors(),
                f.timeouts(), f.unreachable(), f.latency(), f.overhead(), f.coldStarts(), f.coldStart(),
                f.auditsPassed(), f.auditsFailed(), f.downMillis(), f.leasesByDeveloper(), f.leasesByProvider(),
                f.leasesAuditFailed(), f.leasesUnreachable(), f.leasesOtherByBroker(), f.disputesUpheld(),
                f.disputesRejected());
    }
}
