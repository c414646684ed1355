package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagPb;
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
import org.jboss.logging.Logger;

/**
 * Keeps N healthy copies of a pinned DAG on storage providers: buys the missing replicas on the
 * marketplace, gives each new replica its own {@link Seal} (a random key kept in {@code replicas}),
 * stores every block of the DAG on its lease sealed under that key and named by the sealed bytes'
 * own CID, and only then counts the replica active. Releasing deletes the blocks on the agents and
 * closes the leases.
 *
 * <p>The blocks always come from the gateway's own verified store, never from another replica: the
 * gateway holds the whole DAG anyway (walking it and auditing it read that store), and a replica's
 * sealed CID for a block can only be computed from the plain block, so reading a replica would need
 * the block first. A replica recorded before sealing (no key) counts as active until {@code wanted}
 * sealed replicas exist; then its blocks are deleted and its lease closed ({@code replaced-by-sealed-copy}).
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

    public Replicator(StorageMarket market, StorageProviders providers, VerifiedBlocks blocks, ReplicaRepository replicas,
            Transactions tx, Clock clock) {
        this.market = market;
        this.providers = providers;
        this.blocks = blocks;
        this.replicas = replicas;
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * Makes {@code wanted} active sealed replicas of the DAG exist (buying and filling the missing ones), then
     * retires the DAG's replicas stored before sealing.
     *
     * @return the active replicas afterwards
     * @throws ReplicationException when leases cannot be bought or a transfer fails (a lease
     *                              whose transfer failed is closed and marked failed)
     */
    public List<Replica> ensure(Cid root, int wanted) {
        lock.lock();
        try {
            return ensureLocked(root, wanted);
        } finally {
            lock.unlock();
        }
    }

    /** How many threads wait for another's replication work to end (0 when none). */
    public int waiting() {
        return lock.getQueueLength();
    }

    /**
     * Whether the DAG has the replicas it should: {@code wanted} active sealed ones and, once it wants any, no
     * replica left that was stored before sealing. When not, {@link #ensure} has work to do.
     */
    public boolean settled(Cid root, int wanted) {
        List<Replica> active = active(root);
        long sealed = active.stream().filter(Replica::sealed).count();
        return sealed >= wanted && (wanted == 0 || sealed == active.size());
    }

    private List<Replica> ensureLocked(Cid root, int wanted) {
        int missing = wanted - (int) active(root).stream().filter(Replica::sealed).count();
        if (missing > 0) {
            fillLocked(root, missing);
        }
        if (wanted > 0) {
            for (Replica unsealed : active(root).stream().filter(r -> !r.sealed()).toList()) {
                dropLocked(unsealed, "replaced-by-sealed-copy", "stored unsealed; replaced by a sealed copy");
                LOG.infof("replica of %s on %s (lease %s) was stored unsealed: replaced by a sealed copy", root,
                        unsealed.lease().provider(), unsealed.lease().leaseId());
            }
        }
        return active(root);
    }

    private void fillLocked(Cid root, int missing) {
        List<Cid> dag = blocksOf(root);
        long bytes = 0;
        for (Cid cid : dag) {
            bytes += blocks.get(cid).length;
        }
        long gib = Math.max(1, (bytes + GIB - 1) / GIB);
        List<StorageLease> bought = market.buy(missing, gib);
        ReplicationException failure = null;
        for (StorageLease lease : bought) {
            Seal seal = Seal.generate(random);
            tx.inTransaction(c -> {
                replicas.insert(c, lease, root, seal, clock.instant());
                return null;
            });
            try {
                transfer(lease, seal, dag);
                tx.inTransaction(c -> {
                    replicas.mark(c, lease.leaseId(), Replica.State.ACTIVE, null);
                    return null;
                });
                LOG.infof("replica of %s on %s (lease %s) holds all %d blocks", root, lease.provider(), lease.leaseId(), dag.size());
            } catch (RuntimeException e) {
                LOG.warnf("transferring %s to lease %s failed: %s", root, lease.leaseId(), e.getMessage());
                failLocked(lease, "transfer failed: " + e.getMessage());
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

    /** Deletes every copy of the DAG on providers and closes their leases (after the last unpin). */
    public void release(Cid root) {
        lock.lock();
        try {
            releaseLocked(root);
        } finally {
            lock.unlock();
        }
    }

    private void releaseLocked(Cid root) {
        List<Replica> all = tx.read(c -> replicas.ofRoot(c, root));
        for (Replica replica : all) {
            if (replica.state() == Replica.State.CLOSED || replica.state() == Replica.State.FAILED) {
                continue;
            }
            dropLocked(replica, "unpinned", "unpinned");
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
    }

    /** The active replicas of a DAG. */
    public List<Replica> active(Cid root) {
        return tx.read(c -> replicas.ofRoot(c, root)).stream().filter(r -> r.state() == Replica.State.ACTIVE).toList();
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
        }
    }
}
