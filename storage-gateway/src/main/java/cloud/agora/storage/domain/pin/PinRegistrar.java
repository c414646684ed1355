package cloud.agora.storage.domain.pin;

import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.PaidStorage;
import cloud.agora.storage.domain.StorageNotPaidException;
import cloud.agora.ipld.Cid;
import cloud.agora.storage.persistence.PinRepository;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * The Pinning Service API's use cases for one caller: add, list, get, replace and remove pin
 * requests. Adding and replacing queue the request for {@link PinFulfiller}; removing and
 * replacing release the old CID in the backend once no request needs it any more.
 */
@ApplicationScoped
public class PinRegistrar {

    private final Transactions tx;
    private final PinRepository pins;
    private final PinFulfiller fulfiller;
    private final Clock clock;
    private final PaidStorage paidStorage;
    private final int defaultReplicas;
    private Instant lastCreated = Instant.EPOCH;

    public PinRegistrar(Transactions tx, PinRepository pins, PinFulfiller fulfiller, PaidStorage paidStorage,
            StorageConfig config, Clock clock) {
        this.tx = tx;
        this.pins = pins;
        this.fulfiller = fulfiller;
        this.paidStorage = paidStorage;
        this.defaultReplicas = config.replication().defaultReplicas();
        this.clock = clock;
    }

    /**
     * Queues a new pin request of {@code owner}. A request for provider replicas needs paid storage (asked of billing
     * with the owner's token); without it nothing is recorded.
     *
     * @throws StorageNotPaidException when it asks for replicas and billing collects nothing from the owner
     */
    public PinRequest add(Address owner, String bearerToken, PinRequest.PinSpec spec) {
        requirePaidReplicas(owner, bearerToken, spec);
        PinRequest pin = tx.inTransaction(c -> insert(c, owner, spec, null));
        fulfiller.nudge();
        return pin;
    }

    /** The caller's request. */
    public PinRequest get(Address owner, String requestId) {
        return tx.inTransaction(c -> pins.find(c, owner, id(requestId), false)
                .orElseThrow(() -> new PinNotFoundException(requestId)));
    }

    /** The caller's requests matching {@code query}, newest first. */
    public PinPage list(Address owner, PinQuery query) {
        PinRepository.Page page = tx.inTransaction(c -> pins.list(c, owner, query));
        return new PinPage(page.count(), page.results());
    }

    /**
     * Replaces a request by a new one (new id, new created) in one transaction; the old CID
     * stays pinned in the backend until the new request settles.
     */
    public PinRequest replace(Address owner, String bearerToken, String requestId, PinRequest.PinSpec spec) {
        requirePaidReplicas(owner, bearerToken, spec);
        PinRequest pin = tx.inTransaction(c -> {
            PinRequest old = pins.find(c, owner, id(requestId), true).orElseThrow(() -> new PinNotFoundException(requestId));
            PinRequest fresh = insert(c, owner, spec, old.spec().cid());
            pins.delete(c, old.requestId());
            return fresh;
        });
        fulfiller.nudge();
        return pin;
    }

    private void requirePaidReplicas(Address owner, String bearerToken, PinRequest.PinSpec spec) {
        int replicas = PinRepository.parseReplication(spec.meta().get(PinRequest.PinSpec.REPLICATION), defaultReplicas);
        if (replicas > 0) {
            paidStorage.require(bearerToken, owner, "a pin with " + replicas + " provider replicas");
        }
    }

    /** Removes a request; its CID is unpinned in the backend when no other request needs it. */
    public void remove(Address owner, String requestId) {
        Cid cid = tx.inTransaction(c -> {
            PinRequest old = pins.find(c, owner, id(requestId), true).orElseThrow(() -> new PinNotFoundException(requestId));
            pins.delete(c, old.requestId());
            return old.spec().cid();
        });
        fulfiller.release(cid, owner);
    }

    private PinRequest insert(Connection c, Address owner, PinRequest.PinSpec spec, Cid replaced) throws SQLException {
        while (true) {
            PinRequest pin = new PinRequest(UUID.randomUUID(), owner, spec, PinState.QUEUED, nextCreated(), Map.of());
            Savepoint savepoint = c.setSavepoint();
            try {
                pins.insert(c, pin, replaced);
                c.releaseSavepoint(savepoint);
                return pin;
            } catch (SQLException e) {
                // another replica took this microsecond: the spec needs unique created values
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                c.rollback(savepoint);
            }
        }
    }

    /** Strictly increasing microsecond timestamps in this process (PostgreSQL keeps microseconds). */
    private synchronized Instant nextCreated() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        lastCreated = now.isAfter(lastCreated) ? now : lastCreated.plus(1, ChronoUnit.MICROS);
        return lastCreated;
    }

    private static UUID id(String requestId) {
        try {
            return UUID.fromString(requestId);
        } catch (IllegalArgumentException e) {
            throw new PinNotFoundException(requestId);
        }
    }


}
