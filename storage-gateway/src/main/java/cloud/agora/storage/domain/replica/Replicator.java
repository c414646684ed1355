package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagPb;
import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.domain.StorageMeters;
import cloud.agora.storage.domain.VerifiedBlocks;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Keeps N healthy copies of a pinned DAG on storage providers for each account that pins it with replication,
 * paid by that account: buys the missing replicas on the marketplace with the account as payer (it owns and pays
 * for the leases; the gateway brokers them), gives each new replica its own {@link Seal} (a random key kept in
 * {@code replicas}), stores every block of the DAG on its lease sealed under that key and named by the sealed bytes'
 * own CID, and only then counts the replica active. Releasing deletes the blocks on the agents and closes the leases.
 *
 * <p>Replicas are counted per (root, payer): two accounts pinning one CID with replication each keep, and pay for,
 * their own copies; one account's several pins of a CID share its copies (the largest replication wins). No account
 * pays for another's copies, and unpinning by one never removes another's.
 *
 * <p>The blocks always come from the gateway's own verified store, never from another replica: the
 * gateway holds the whole DAG anyway (walking it and auditing it read that store), and a replica's
 * sealed CID for a block can only be computed from the plain block, so reading a replica would need
 * the block first. A replica from before replicas were paid (no payer: the gateway bought it for itself; among them
 * those stored before sealing, with no key) counts as a copy of its DAG until an account that wants replicas of the
 * DAG has its own; then its blocks are deleted and its lease closed ({@code replaced-by-sealed-copy} for an unsealed
 * one, {@code replaced-by-paid-copy} otherwise).
 *
 * <p>The pin worker and the audit round both call it: buying, filling, failing and releasing
 * replicas take one lock, so a repair that starts while a pin is still filling its second replica
 * waits and then counts it, instead of buying a surplus lease. State lives in {@code replicas}.
 */
@ApplicationScoped
public class Replicator {

    private static final Logger LOG = Logger.getLogger(Replicator.class);
    private static final long GIB = 1L << 30;

    private final StorageMarket market;
    private final StorageProviders providers;
    private final VerifiedBlocks blocks;
    private final ReplicaRepository replicas;
    private final Transactions tx;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final SecureRandom random = new SecureRandom();

    private final StorageMeters meters;

    public Replicator(StorageMarket market, StorageProviders providers, VerifiedBlocks blocks, ReplicaRepository replicas,
            Transactions tx, Clock clock, StorageMeters meters) {
        this.meters = meters;
        this.market = market;
        this.providers = providers;
        this.blocks = blocks;
        this.replicas = replicas;
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * Makes {@code wanted} active replicas of the DAG paid by {@code payer} exist (buying and filling the missing
     * ones), then retires the DAG's replicas from before replicas were paid.
     *
     * @return {@code payer}'s active replicas afterwards
     * @throws ReplicationException when leases cannot be bought or a transfer fails (a lease
     *                              whose transfer failed is closed and marked failed)
     */
    public List<Replica> ensure(Cid root, Address payer, int wanted) {
        lock.lock();
        try {
            return ensureLocked(root, payer, wanted);
        } finally {
            lock.unlock();
        }
    }

    /** How many threads wait for another's replication work to end (0 when none). */
    public int waiting() {
        return lock.getQueueLength();
    }

    /**
     * Whether {@code payer} has the replicas it should: {@code wanted} active ones of its own and, once it wants any,
     * no replica of the DAG left from before replicas were paid. When not, {@link #ensure} has work to do.
     */
    public boolean settled(Cid root, Address payer, int wanted) {
        List<Replica> active = active(root);
        long own = active.stream().filter(r -> r.paidBy(payer)).count();
        return own >= wanted && (wanted == 0 || active.stream().allMatch(Replica::paid));
    }

    private List<Replica> ensureLocked(Cid root, Address payer, int wanted) {
        int missing = wanted - active(root, payer).size();
        if (missing > 0) {
            fillLocked(root, payer, missing);
        }
        if (wanted > 0) {
            for (Replica legacy : active(root).stream().filter(r -> !r.paid()).toList()) {
                if (legacy.sealed()) {
                    dropLocked(legacy, "replaced-by-paid-copy", "bought by the gateway itself; replaced by a paid copy");
                } else {
                    dropLocked(legacy, "replaced-by-sealed-copy", "stored unsealed; replaced by a sealed copy");
                }
                LOG.infof("replica of %s on %s (lease %s) was %s: replaced by a paid sealed copy", root,
                        legacy.lease().provider(), legacy.lease().leaseId(),
                        legacy.sealed() ? "bought by the gateway itself" : "stored unsealed");
            }
        }
        return active(root, payer);
    }

    private void fillLocked(Cid root, Address payer, int missing) {
        List<Cid> dag = blocksOf(root);
        long bytes = 0;
        for (Cid cid : dag) {
            bytes += blocks.get(cid).length;
        }
        long gib = Math.max(1, (bytes + GIB - 1) / GIB);
        List<StorageLease> bought = market.buy(payer, missing, gib);
        ReplicationException failure = null;
        for (StorageLease lease : bought) {
            Seal seal = Seal.generate(random);
            tx.inTransaction(c -> {
                replicas.insert(c, lease, root, payer, seal, clock.instant());
                return null;
            });
            try {
                transfer(lease, seal, dag);
                tx.inTransaction(c -> {
                    replicas.mark(c, lease.leaseId(), Replica.State.ACTIVE, null);
                    return null;
                });
                meters.replicaPlaced();
                LOG.infof("replica of %s for %s on %s (lease %s) holds all %d blocks", root, payer, lease.provider(),
                        lease.leaseId(), dag.size());
            } catch (RuntimeException e) {
                LOG.warnf("transferring %s to lease %s failed: %s", root, lease.leaseId(), e.getMessage());
                failLocked(lease, "transfer failed: " + e.getMessage());
                meters.replicaFailedInTransfer();
                failure = new ReplicationException("copying the blocks to provider " + lease.provider() + " failed: "
                        + e.getMessage(), e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Marks a replica failed and closes its lease (the blocks are the provider's to delete). */
    public void fail(StorageLease lease, String reason) {
        lock.lock();
        try {
            failLocked(lease, reason);
        } finally {
            lock.unlock();
        }
    }

    private void failLocked(StorageLease lease, String reason) {
        tx.inTransaction(c -> {
            replicas.mark(c, lease.leaseId(), Replica.State.FAILED, reason);
            return null;
        });
        try {
            market.close(lease.leaseId(), "audit-failed");
        } catch (RuntimeException e) {
            LOG.warnf("closing lease %s failed (the marketplace will be asked again by nobody; close it by hand): %s",
                    lease.leaseId(), e.getMessage());
        }
    }

    /** Deletes every copy of the DAG on providers, whoever pays, and closes their leases (after the last unpin). */
    public void release(Cid root) {
        releaseWhere(root, r -> true);
    }

    /** Deletes {@code payer}'s copies of the DAG on providers and closes their leases (none of its pins needs them). */
    public void release(Cid root, Address payer) {
        releaseWhere(root, r -> r.paidBy(payer));
    }

    private void releaseWhere(Cid root, Predicate<Replica> which) {
        lock.lock();
        try {
            for (Replica replica : tx.read(c -> replicas.ofRoot(c, root))) {
                if (replica.state() == Replica.State.CLOSED || replica.state() == Replica.State.FAILED
                        || !which.test(replica)) {
                    continue;
                }
                dropLocked(replica, "unpinned", "unpinned");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the replica's blocks on its agent, closes its lease and records it closed. */
    private void dropLocked(Replica replica, String closeReason, String reason) {
        try {
            providers.delete(replica.lease());
        } catch (RuntimeException e) {
            LOG.warnf("deleting lease %s's blocks failed (the agent deletes them when the lease closes): %s",
                    replica.lease().leaseId(), e.getMessage());
        }
        try {
            market.close(replica.lease().leaseId(), closeReason);
        } catch (RuntimeException e) {
            LOG.warnf("closing lease %s failed: %s", replica.lease().leaseId(), e.getMessage());
        }
        tx.inTransaction(c -> {
            replicas.mark(c, replica.lease().leaseId(), Replica.State.CLOSED, reason);
            return null;
        });
        meters.replicaReleased(closeReason);
    }

    /** The active replicas of a DAG, whoever pays for them. */
    public List<Replica> active(Cid root) {
        return tx.read(c -> replicas.ofRoot(c, root)).stream().filter(r -> r.state() == Replica.State.ACTIVE).toList();
    }

    /** The active replicas of a DAG that {@code payer} pays for. */
    public List<Replica> active(Cid root, Address payer) {
        return active(root).stream().filter(r -> r.paidBy(payer)).toList();
    }

    /** Every block of the DAG once, depth-first in link order (the CAR order), read from the verified store. */
    public List<Cid> blocksOf(Cid root) {
        Set<Cid> seen = new LinkedHashSet<>();
        Deque<Cid> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Cid cid = todo.pop();
            if (!seen.add(cid) || cid.codec() == Cid.RAW) {
                continue;
            }
            List<Cid> links = DagPb.decode(blocks.get(cid)).links().stream().map(DagPb.Link::cid).toList();
            for (int i = links.size() - 1; i >= 0; i--) {
                todo.push(links.get(i));
            }
        }
        return new ArrayList<>(seen);
    }

    /** Every block of the DAG, from the gateway's verified store, sealed for the lease and stored under its sealed CID. */
    private void transfer(StorageLease lease, Seal seal, List<Cid> dag) {
        for (Cid cid : dag) {
            Seal.Sealed sealed = seal.seal(cid, blocks.get(cid));
            providers.put(lease, sealed.cid(), sealed.bytes());
            meters.transferred(sealed.bytes().length);
        }
    }
}
