package cloud.agora.marketplace.domain;

import cloud.agora.marketplace.persistence.MarketStore;
import cloud.agora.marketplace.persistence.MarketStore.LeaseRow;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Leases as their two parties see them; either party closes one, which frees its capacity for
 * resting bids. Emits {@code LeaseClosed} (and {@code LeaseCreated} for bids the capacity serves).
 */
@ApplicationScoped
public class LeaseCloser {

    /** The most leases one listing returns (newest first). */
    public static final int LIST_LIMIT = 1000;
    private static final int MAX_REASON = 500;

    private final MarketDesk desk;
    private final MarketStore store;

    public LeaseCloser(MarketDesk desk, MarketStore store) {
        this.desk = desk;
        this.store = store;
    }

    /** Closes a lease the caller is a party to. */
    public LeaseView close(Address caller, UUID id, String reason) throws SQLException {
        party(caller, id);
        String why = reason == null || reason.isBlank() ? "closed by " + caller : reason.strip();
        if (why.length() > MAX_REASON) {
            throw new InvalidLeaseCloseException("reason is at most " + MAX_REASON + " characters");
        }
        desk.execute((book, now) -> {
            if (book.activeLease(id).isEmpty()) {
                throw new LeaseAlreadyClosedException(id);
            }
            return book.close(id, caller, why, now);
        });
        return get(caller, id);
    }

    /** A lease the caller is a party to. */
    public LeaseView get(Address caller, UUID id) throws SQLException {
        LeaseRow row = party(caller, id);
        return row.lease().view(row.providerEndpoint());
    }

    /** The caller's leases as consumer ({@code owner}) or as provider ({@code provider}). */
    public List<LeaseView> list(Address caller, Address owner, Address provider, boolean activeOnly) throws SQLException {
        if (owner != null && provider != null) {
            throw new InvalidLeaseQueryException("give either owner or provider, not both");
        }
        Address who = owner != null ? owner : provider != null ? provider : caller;
        if (!who.equals(caller)) {
            throw new AccessDeniedException("leases of", who, caller);
        }
        List<LeaseRow> rows = provider != null ? store.leasesOfProvider(who, activeOnly, LIST_LIMIT)
                : store.leasesOfOwner(who, LIST_LIMIT);
        return rows.stream().filter(r -> !activeOnly || r.lease().state() == LeaseState.ACTIVE)
                .map(r -> r.lease().view(r.providerEndpoint())).toList();
    }

    private LeaseRow party(Address caller, UUID id) throws SQLException {
        LeaseRow row = store.lease(id).orElseThrow(() -> new LeaseNotFoundException(id));
        if (!row.lease().isParty(caller)) {
            throw new AccessDeniedException("lease", id, caller);
        }
        return row;
    }
}
