package cloud.agora.billing.persistence;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.usage.BatchAttestation;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Verified batch attestations ({@code receipt_batches}): a provider's or a gateway's signature over the Merkle root of
 * many receipts' hashes, with the hashes, so that a proof can give any of them its path to the signed root.
 */
@ApplicationScoped
public class BatchRepository {

    /** A batch whose root and signature were verified, with its receipts' hashes (32 bytes each). */
    public record StoredBatch(BatchAttestation attestation, List<byte[]> leaves) {
    }

    /** Stores the batches (one already stored is kept); one statement. */
    public void store(Connection c, List<StoredBatch> batches) throws SQLException {
        if (batches.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO receipt_batches (root, signer, signature, leaves)
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[])
                ON CONFLICT (root, signer) DO NOTHING""")) {
            s.setArray(1, c.createArrayOf("text", batches.stream().map(b -> b.attestation().root()).toArray()));
            s.setArray(2, c.createArrayOf("text", batches.stream().map(b -> b.attestation().signer().value()).toArray()));
            s.setArray(3, c.createArrayOf("text", batches.stream().map(b -> b.attestation().signature()).toArray()));
            s.setArray(4, c.createArrayOf("bytea", batches.stream().map(b -> concat(b.leaves())).toArray(byte[][]::new)));
            s.executeUpdate();
        }
    }

    /** The batch {@code signer} attested with {@code root}, if stored. */
    public Optional<StoredBatch> find(Connection c, String root, Address signer) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT signature, leaves FROM receipt_batches WHERE root = ? AND signer = ?")) {
            s.setString(1, root);
            s.setString(2, signer.value());
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                byte[] all = r.getBytes(2);
                List<byte[]> leaves = new ArrayList<>(all.length / 32);
                for (int i = 0; i < all.length; i += 32) {
                    leaves.add(java.util.Arrays.copyOfRange(all, i, i + 32));
                }
                return Optional.of(new StoredBatch(new BatchAttestation(signer, root, r.getString(1)), leaves));
            }
        }
    }

    private static byte[] concat(List<byte[]> leaves) {
        ByteBuffer all = ByteBuffer.allocate(32 * leaves.size());
        leaves.forEach(all::put);
        return all.array();
    }
}
