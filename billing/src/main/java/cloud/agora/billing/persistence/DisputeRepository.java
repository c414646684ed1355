package cloud.agora.billing.persistence;

import cloud.agora.protocol.dispute.DisputeRules;
import cloud.agora.protocol.dispute.DisputeState;
import cloud.agora.protocol.dispute.DisputeView;
import cloud.agora.protocol.dispute.ProviderAnswer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Disputes over charges ({@code disputes}) and the credits upheld ones give their pair ({@code pairs.credited}). */
@ApplicationScoped
public class DisputeRepository {

    private static final String COLUMNS = """
            dispute_id, invocation_id, consumer_address, provider_address, lease_id, charge, state, opened_at, answer_by,
            evidence, answer, rule, reason, decided_at, credit_seq""";

    /** Opens a dispute; false when the charge is disputed already (one dispute per charge). */
    public boolean open(Connection c, DisputeView d) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO disputes (dispute_id, invocation_id, consumer_address, provider_address, lease_id, charge, state,
                                      opened_at, answer_by, evidence)
                VALUES (?, ?, ?, ?, ?, ?, 'OPEN', ?, ?, ?) ON CONFLICT (invocation_id) DO NOTHING""")) {
            s.setObject(1, d.id());
            s.setObject(2, d.invocationId());
            s.setString(3, d.consumer().value());
            s.setString(4, d.provider().value());
            s.setObject(5, d.leaseId());
            s.setBigDecimal(6, new BigDecimal(d.charge().value()));
            s.setTimestamp(7, Timestamp.from(d.openedAt()));
            s.setTimestamp(8, Timestamp.from(d.answerBy()));
            s.setString(9, JsonCodec.write(d.evidence()));
            return s.executeUpdate() == 1;
        }
    }

    public Optional<DisputeView> find(Connection c, UUID id) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM disputes WHERE dispute_id = ?", id);
    }

    public Optional<DisputeView> findByInvocation(Connection c, UUID invocationId) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM disputes WHERE invocation_id = ?", invocationId);
    }

    /** The dispute, locked for the caller's transaction. */
    public Optional<DisputeView> lock(Connection c, UUID id) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM disputes WHERE dispute_id = ? FOR UPDATE", id);
    }

    /** Open disputes whose answer window ended by {@code now}, oldest first. */
    public List<UUID> due(Connection c, Instant now, int limit) throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT dispute_id FROM disputes WHERE state = 'OPEN' AND answer_by <= ? ORDER BY answer_by LIMIT ?")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setInt(2, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(r.getObject(1, UUID.class));
                }
            }
        }
        return out;
    }

    /** The disputes {@code party} opened (as developer) or faces (as provider), newest first. */
    public List<DisputeView> of(Connection c, Address party, boolean asProvider, int limit) throws SQLException {
        String column = asProvider ? "provider_address" : "consumer_address";
        List<DisputeView> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM disputes WHERE " + column
                + " = ? ORDER BY opened_at DESC, dispute_id LIMIT ?")) {
            s.setString(1, party.value());
            s.setInt(2, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(view(r));
                }
            }
        }
        return out;
    }

    /** Records the provider's answer to an open dispute. */
    public void answer(Connection c, UUID id, ProviderAnswer answer) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE disputes SET answer = ? WHERE dispute_id = ? AND state = 'OPEN'")) {
            s.setString(1, JsonCodec.write(answer));
            s.setObject(2, id);
            s.executeUpdate();
        }
    }

    /**
     * Records the decision of an open dispute; an upheld one also gets its credit leaf and adds its charge to the
     * pair's credits.
     */
    public void decide(Connection c, DisputeView d, DisputeRules.Verdict verdict, Instant at, byte[] creditLeaf)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE disputes SET state = ?, rule = ?, reason = ?, decided_at = ?, credit_leaf = ?
                WHERE dispute_id = ? AND state = 'OPEN'""")) {
            s.setString(1, verdict.state().name());
            s.setString(2, verdict.rule());
            s.setString(3, verdict.reason());
            s.setTimestamp(4, Timestamp.from(at));
            s.setString(5, creditLeaf == null ? null : org.web3j.utils.Numeric.toHexString(creditLeaf));
            s.setObject(6, d.id());
            if (s.executeUpdate() != 1) {
                throw new IllegalStateException("dispute " + d.id() + " is not open");
            }
        }
        if (verdict.state() == DisputeState.UPHELD) {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE pairs SET credited = credited + ? WHERE consumer_address = ? AND provider_address = ?")) {
                s.setBigDecimal(1, new BigDecimal(d.charge().value()));
                s.setString(2, d.consumer().value());
                s.setString(3, d.provider().value());
                if (s.executeUpdate() != 1) {
                    throw new IllegalStateException("no pair " + d.consumer() + "/" + d.provider() + " to credit");
                }
            }
        }
    }

    private Optional<DisputeView> one(Connection c, String sql, UUID id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(view(r)) : Optional.empty();
            }
        }
    }

    private static DisputeView view(ResultSet r) throws SQLException {
        String answer = r.getString(11);
        Timestamp decided = r.getTimestamp(14);
        int seq = r.getInt(15);
        Long creditedIn = r.wasNull() ? null : (long) seq;
        return new DisputeView(r.getObject(1, UUID.class), r.getObject(2, UUID.class), new Address(r.getString(3)),
                new Address(r.getString(4)), r.getObject(5, UUID.class), new Wei(wei(r.getBigDecimal(6))),
                DisputeState.valueOf(r.getString(7)), r.getTimestamp(8).toInstant(), r.getTimestamp(9).toInstant(),
                JsonCodec.read(r.getString(10), DisputeView.Evidence.class),
                answer == null ? null : JsonCodec.read(answer, ProviderAnswer.class), r.getString(12), r.getString(13),
                decided == null ? null : decided.toInstant(), creditedIn);
    }

    private static BigInteger wei(BigDecimal value) {
        return value.toBigIntegerExact();
    }
}
