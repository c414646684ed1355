package cloud.agora.marketplace.domain;

import cloud.agora.marketplace.config.MarketConfig;
import cloud.agora.marketplace.persistence.MarketStore;
import cloud.agora.marketplace.persistence.ReputationStore;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.reputation.AuditReport;
import cloud.agora.protocol.reputation.ReputationView;
import cloud.agora.support.jdbc.StoreException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Providers' reputation from the evidence others witnessed: calls functions gateways saw
 * ({@code CallObservations}), storage audits storage gateways ran, heartbeats and leases ended (recorded with the
 * book's changes, {@link MarketDesk}). Each piece of evidence is counted once, by its id; the score over the governed
 * window is {@link ReputationScore}'s.
 */
@ApplicationScoped
public class ReputationLedger {

    private final ReputationStore store;
    private final MarketStore market;
    private final MarketRules rules;
    private final MarketConfig.Reputation config;
    private final Clock clock;
    private final MarketConfig.Gateways gateways;

    public ReputationLedger(ReputationStore store, MarketStore market, MarketRules rules, MarketConfig config, Clock clock) {
        this.market = market;
        this.gateways = config.gateways();
        this.store = store;
        this.rules = rules;
        this.config = config.reputation();
        this.clock = clock;
    }

    /**
     * Counts {@code facts} for {@code provider} at {@code at}, unless the evidence {@code id} was counted before.
     *
     * @return whether it was new
     */
    public boolean record(String id, Address provider, Instant at, ReputationFacts facts) {
        try (Connection c = store.begin()) {
            try {
                boolean fresh = store.firstTime(c, id, clock.instant());
                if (fresh) {
                    store.add(c, provider, at, facts);
                }
                c.commit();
                return fresh;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** The most audits one report may carry. */
    public static final int MAX_AUDITS_PER_REPORT = 1000;

    /**
     * Counts the audits a storage gateway reports, each once by its id, for the provider of the storage lease it names:
     * only a configured storage gateway reports, and only audits of leases it brokered. A report with any audit that
     * cannot be counted is refused whole.
     *
     * @return how many audits were new
     */
    public int recordAudits(Address caller, AuditReport report) {
        if (!gateways.storage().orElse(List.of()).contains(caller)) {
            throw new AccessDeniedException(caller, caller + " is not a storage gateway: only storage gateways report"
                    + " audits");
        }
        if (report == null || report.audits().isEmpty() || report.audits().size() > MAX_AUDITS_PER_REPORT) {
            throw new InvalidAuditReportException("a report carries 1 to " + MAX_AUDITS_PER_REPORT + " audits");
        }
        Map<AuditReport.Audit, Address> providers = new java.util.LinkedHashMap<>();
        for (AuditReport.Audit audit : report.audits()) {
            if (audit == null || audit.id() == null || audit.leaseId() == null || audit.at() == null) {
                throw new InvalidAuditReportException("every audit has an id, a leaseId and an at");
            }
            Lease lease;
            try {
                lease = market.lease(audit.leaseId()).map(MarketStore.LeaseRow::lease).orElse(null);
            } catch (SQLException e) {
                throw new StoreException(e);
            }
            if (lease == null || lease.kind() != BidKind.STORAGE || !caller.equals(lease.broker())) {
                throw new InvalidAuditReportException("lease " + audit.leaseId() + " is no storage lease brokered by "
                        + caller);
            }
            providers.put(audit, lease.provider());
        }
        int counted = 0;
        for (Map.Entry<AuditReport.Audit, Address> entry : providers.entrySet()) {
            AuditReport.Audit audit = entry.getKey();
            if (record("audit:" + audit.id(), entry.getValue(), audit.at(), ReputationFacts.audit(audit.passed()))) {
                counted++;
            }
        }
        return counted;
    }

    /** Deletes the evidence older than the retention ({@code reputation.retention}). */
    public int prune() {
        try {
            return store.prune(clock.instant().minus(config.retention()));
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Adds facts the book's own changes bring (heartbeats, leases ended) in the caller's transaction. */
    public void add(Connection c, Address provider, Instant at, ReputationFacts facts) throws SQLException {
        store.add(c, provider, at, facts);
    }

    /** One provider's reputation now, over the window in effect. */
    public ReputationView view(Address provider, Presence presence) {
        Instant now = clock.instant();
        Instant from = now.minus(rules.reputationWindow());
        try {
            return ReputationScore.view(provider, store.sum(provider, from), from, now, presence,
                    rules.heartbeatTimeout(), config.overheadTarget());
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** The reputation of every provider named, over the window in effect. */
    public Map<Address, ReputationView> views(Map<Address, Presence> registered) {
        Instant now = clock.instant();
        Instant from = now.minus(rules.reputationWindow());
        Map<Address, ReputationFacts> sums;
        try {
            sums = store.sums(from);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        Map<Address, ReputationView> views = new HashMap<>();
        Duration heartbeatTimeout = rules.heartbeatTimeout();
        registered.forEach((provider, presence) -> views.put(provider, ReputationScore.view(provider,
                sums.getOrDefault(provider, ReputationFacts.NONE), from, now, presence, heartbeatTimeout,
                config.overheadTarget())));
        return views;
    }

    /** Every registered provider as its reputation needs it, read from the database (any instance may ask). */
    public Map<Address, Presence> presence() {
        try {
            Map<Address, Presence> presence = new java.util.LinkedHashMap<>();
            Map<Address, Long> active = market.activeLeaseCounts();
            for (Provider provider : market.providers()) {
                presence.put(provider.address(), Presence.of(provider, active.getOrDefault(provider.address(), 0L)));
            }
            return presence;
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** What matching needs of every provider named. */
    public Map<Address, Reliability> reliabilities(Map<Address, Presence> registered) {
        Map<Address, Reliability> reliabilities = new HashMap<>();
        views(registered).forEach((provider, view) ->
                reliabilities.put(provider, Reliability.of(view.score(), view.calls().failureRate())));
        return reliabilities;
    }
}
