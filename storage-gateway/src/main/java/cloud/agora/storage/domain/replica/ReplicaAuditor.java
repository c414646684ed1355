package cloud.agora.storage.domain.replica;

import cloud.agora.ipld.Cid;
import cloud.agora.storage.domain.StorageMeters;
import cloud.agora.storage.domain.VerifiedBlocks;
import cloud.agora.storage.persistence.ReplicaRepository;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Proof-of-storage audits: for a replica, a random block of its DAG and a fresh 32-byte nonce;
 * the agent is challenged by the block's sealed CID and must answer {@code hex(sha256(sealed block ‖ nonce))}
 * within the deadline (enforced by {@link StorageProviders#challenge}). The expected answer comes from
 * the gateway's own verified copy, sealed again with the replica's key. The nonce makes stored answers
 * useless; random blocks make holding part of the DAG fail with a probability that grows with every
 * audit; the seal makes the answer impossible to compute from the public content, so a provider that
 * deleted its copy and fetches the block from {@code GET /ipfs/{cid}} when challenged fails.
 *
 * <p>A replica stored before sealing (no key) is challenged by the plain CID over the plain block, as
 * audits were then: that still catches lost or damaged blocks, not a provider fetching them; the audit
 * round's repair replaces it with a sealed copy.
 */
@ApplicationScoped
public class ReplicaAuditor {

    private static final Logger LOG = Logger.getLogger(ReplicaAuditor.class);

    private final StorageProviders providers;
    private final VerifiedBlocks blocks;
    private final Replicator replicator;
    private final ReplicaRepository replicas;
    private final Transactions tx;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private final StorageMeters meters;

    public ReplicaAuditor(StorageProviders providers, VerifiedBlocks blocks, Replicator replicator,
            ReplicaRepository replicas, Transactions tx, Clock clock, StorageMeters meters) {
        this.meters = meters;
        this.providers = providers;
        this.blocks = blocks;
        this.replicator = replicator;
        this.replicas = replicas;
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * Challenges one replica. A wrong, refused or late answer marks it failed and closes its
     * lease (repair is the caller's next step: {@link Replicator#ensure}).
     *
     * @return whether the replica passed
     */
    public boolean audit(Replica replica) {
        List<Cid> dag = replicator.blocksOf(replica.root());
        Cid cid = dag.get(random.nextInt(dag.size()));
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        byte[] block = blocks.get(cid);
        Cid challenged = cid;
        String named = cid.toString();
        if (replica.sealed()) {
            Seal.Sealed sealed = replica.seal().seal(cid, block);
            challenged = sealed.cid();
            block = sealed.bytes();
            named = cid + " (sealed " + challenged + ")";
        }
        String expected = proof(block, nonce);
        String answer;
        long sent = System.nanoTime();
        try {
            answer = providers.challenge(replica.lease(), challenged, nonce);
        } catch (RuntimeException e) {
            meters.auditFailed(e, Duration.ofNanos(System.nanoTime() - sent));
            return failed(replica, "no valid answer to the challenge for " + named + ": " + e.getMessage());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - sent);
        if (answer == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                answer.strip().toLowerCase().getBytes(StandardCharsets.US_ASCII))) {
            meters.auditFailed(took);
            return failed(replica, "wrong proof for block " + named);
        }
        meters.auditPassed(took);
        tx.inTransaction(c -> {
            replicas.audited(c, replica.lease().leaseId(), clock.instant());
            return null;
        });
        return true;
    }

    /** {@code hex(sha256(block ‖ nonce))}. */
    public static String proof(byte[] block, byte[] nonce) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(block);
            sha.update(nonce);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean failed(Replica replica, String reason) {
        LOG.warnf("replica of %s on %s (lease %s) failed its audit: %s", replica.root(), replica.lease().provider(),
                replica.lease().leaseId(), reason);
        replicator.fail(replica.lease(), reason);
        return false;
    }
}
