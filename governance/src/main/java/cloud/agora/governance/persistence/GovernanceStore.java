package cloud.agora.governance.persistence;

import cloud.agora.governance.domain.CastVote;
import cloud.agora.governance.domain.Proposal;
import cloud.agora.governance.domain.ProposalChange;
import cloud.agora.governance.domain.ProposalState;
import cloud.agora.governance.domain.Tally;
import cloud.agora.protocol.eip712.VoteSupport;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parameters, proposals, their changes and votes in PostgreSQL. Every method runs on the caller's connection. */
@ApplicationScoped
public class GovernanceStore {

    /** A stored parameter value. */
    public record StoredValue(String name, String value, Long proposalId, Instant changedAt) {
    }

    // ---- parameters

    public Map<String, StoredValue> values(Connection c) throws SQLException {
        Map<String, StoredValue> values = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT name, value, proposal_id, changed_at FROM parameter_value");
             ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
                values.put(rows.getString(1), new StoredValue(rows.getString(1), rows.getString(2),
                        (Long) rows.getObject(3), rows.getTimestamp(4).toInstant()));
            }
        }
        return values;
    }

    public List<StoredValue> history(Connection c) throws SQLException {
        List<StoredValue> history = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, value, proposal_id, changed_at FROM parameter_history ORDER BY seq");
             ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
                history.add(new StoredValue(rows.getString(1), rows.getString(2), (Long) rows.getObject(3),
                        rows.getTimestamp(4).toInstant()));
            }
        }
        return history;
    }

    /** Stores {@code value} unless the parameter has one; returns whether it did. */
    public boolean seed(Connection c, String name, String value, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO parameter_value (name, value, proposal_id, changed_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING")) {
            s.setString(1, name);
            s.setString(2, value);
            s.setTimestamp(3, Timestamp.from(now));
            if (s.executeUpdate() == 0) {
                return false;
            }
        }
        appendHistory(c, name, value, null, now);
        return true;
    }

    public void setValue(Connection c, String name, String value, long proposalId, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE parameter_value SET value = ?, proposal_id = ?, changed_at = ? WHERE name = ?")) {
            s.setString(1, value);
            s.setLong(2, proposalId);
            s.setTimestamp(3, Timestamp.from(now));
            s.setString(4, name);
            s.executeUpdate();
        }
        appendHistory(c, name, value, proposalId, now);
    }

    private void appendHistory(Connection c, String name, String value, Long proposalId, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO parameter_history (name, value, proposal_id, changed_at) VALUES (?, ?, ?, ?)")) {
            s.setString(1, name);
            s.setString(2, value);
            s.setObject(3, proposalId);
            s.setTimestamp(4, Timestamp.from(now));
            s.executeUpdate();
        }
    }

    // ---- proposals

    /** Inserts a proposal with its changes; returns its id. */
    public long insertProposal(Connection c, String proposer, String title, String description, long createdBlock,
            long snapshotBlock, long endBlock, int quorumBps, Instant now, List<ProposalChange> changes) throws SQLException {
        long id;
        try (PreparedStatement s = c.prepareStatement("INSERT INTO proposal (proposer, title, description, created_block, "
                + "snapshot_block, end_block, quorum_bps, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
            s.setString(1, proposer);
            s.setString(2, title);
            s.setString(3, description);
            s.setLong(4, createdBlock);
            s.setLong(5, snapshotBlock);
            s.setLong(6, endBlock);
            s.setInt(7, quorumBps);
            s.setTimestamp(8, Timestamp.from(now));
            try (ResultSet rows = s.executeQuery()) {
                rows.next();
                id = rows.getLong(1);
            }
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO proposal_change (proposal_id, position, parameter, value) VALUES (?, ?, ?, ?)")) {
            for (int i = 0; i < changes.size(); i++) {
                s.setLong(1, id);
                s.setInt(2, i);
                s.setString(3, changes.get(i).parameter());
                s.setString(4, changes.get(i).value());
                s.addBatch();
            }
            s.executeBatch();
        }
        return id;
    }

    private static final String PROPOSAL_COLUMNS = "id, proposer, title, description, created_block, snapshot_block, end_block, "
            + "quorum_bps, created_at, state, for_votes, against_votes, abstain_votes, voters, quorum, eta, executed_at, "
            + "timelock_operation, schedule_tx_hash, cancelled_at";

    public Optional<Proposal> proposal(Connection c, long id, boolean forUpdate) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + PROPOSAL_COLUMNS + " FROM proposal WHERE id = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            s.setLong(1, id);
            try (ResultSet rows = s.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(proposal(c, rows));
            }
        }
    }

    /** Newest first, at most {@code limit}. */
    public List<Proposal> proposals(Connection c, int limit) throws SQLException {
        List<Proposal> proposals = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + PROPOSAL_COLUMNS + " FROM proposal ORDER BY id DESC LIMIT ?")) {
            s.setInt(1, limit);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    proposals.add(proposal(c, rows));
                }
            }
        }
        return proposals;
    }

    /** Ids of proposals not yet tallied whose end block is below {@code headBlock}, and of succeeded and queued ones. */
    public List<Long> due(Connection c, long headBlock) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id FROM proposal WHERE (state IS NULL AND end_block < ?) OR state IN ('SUCCEEDED', 'QUEUED') ORDER BY id")) {
            s.setLong(1, headBlock);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
        }
        return ids;
    }

    /** Moves the end block of an untallied proposal (late-quorum protection). */
    public void extendEnd(Connection c, long id, long endBlock) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE proposal SET end_block = ? WHERE id = ? AND state IS NULL")) {
            s.setLong(1, endBlock);
            s.setLong(2, id);
            s.executeUpdate();
        }
    }

    /**
     * Records that a succeeded or queued proposal's timelock {@code operation} is scheduled, ready at {@code eta}: the
     * proposal is QUEUED. {@code scheduleTxHash} is kept when null (the operation was found scheduled, e.g. after a
     * crash between the transaction and this record).
     */
    public void queueOnChain(Connection c, long id, Instant eta, String operation, String scheduleTxHash) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE proposal SET state = 'QUEUED', eta = ?, timelock_operation = ?, "
                + "schedule_tx_hash = COALESCE(?, schedule_tx_hash) WHERE id = ? AND state IN ('SUCCEEDED', 'QUEUED')")) {
            s.setTimestamp(1, eta == null ? null : Timestamp.from(eta));
            s.setString(2, operation);
            s.setString(3, scheduleTxHash);
            s.setLong(4, id);
            s.executeUpdate();
        }
    }

    /** Marks a succeeded or queued proposal CANCELLED: its timelock operation was cancelled on chain. */
    public void cancel(Connection c, long id, String operation, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE proposal SET state = 'CANCELLED', cancelled_at = ?, "
                + "timelock_operation = ? WHERE id = ? AND state IN ('SUCCEEDED', 'QUEUED')")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setString(2, operation);
            s.setLong(3, id);
            s.executeUpdate();
        }
    }

    public void recordTally(Connection c, long id, ProposalState state, Tally tally, BigInteger quorum, Instant eta, Instant now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE proposal SET state = ?, for_votes = ?, against_votes = ?, "
                + "abstain_votes = ?, voters = ?, quorum = ?, eta = ?, tallied_at = ? WHERE id = ? AND state IS NULL")) {
            s.setString(1, state.name());
            s.setBigDecimal(2, new BigDecimal(tally.forVotes()));
            s.setBigDecimal(3, new BigDecimal(tally.againstVotes()));
            s.setBigDecimal(4, new BigDecimal(tally.abstainVotes()));
            s.setLong(5, tally.voters());
            s.setBigDecimal(6, new BigDecimal(quorum));
            s.setTimestamp(7, eta == null ? null : Timestamp.from(eta));
            s.setTimestamp(8, Timestamp.from(now));
            s.setLong(9, id);
            s.executeUpdate();
        }
    }

    public void markChangeExecuted(Connection c, long id, int position, String txHash, Instant now) throws SQLException {
        // a replay that found the operation already done on chain has no hash: keep the one recorded, if any
        try (PreparedStatement s = c.prepareStatement("UPDATE proposal_change SET executed_at = ?, tx_hash = COALESCE(?, tx_hash) "
                + "WHERE proposal_id = ? AND position = ? AND executed_at IS NULL")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setString(2, txHash);
            s.setLong(3, id);
            s.setInt(4, position);
            s.executeUpdate();
        }
    }

    public void finish(Connection c, long id, ProposalState state, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE proposal SET state = ?, executed_at = ? WHERE id = ? AND state = 'QUEUED'")) {
            s.setString(1, state.name());
            s.setTimestamp(2, state == ProposalState.EXECUTED ? Timestamp.from(now) : null);
            s.setLong(3, id);
            s.executeUpdate();
        }
    }

    private Proposal proposal(Connection c, ResultSet r) throws SQLException {
        long id = r.getLong(1);
        String state = r.getString(10);
        Tally tally = r.getBigDecimal(11) == null ? null : new Tally(r.getBigDecimal(11).toBigIntegerExact(),
                r.getBigDecimal(12).toBigIntegerExact(), r.getBigDecimal(13).toBigIntegerExact(), r.getLong(14));
        Timestamp eta = r.getTimestamp(16);
        Timestamp executedAt = r.getTimestamp(17);
        Timestamp cancelledAt = r.getTimestamp(20);
        return new Proposal(id, r.getString(2), r.getString(3), r.getString(4), r.getLong(5), r.getLong(6), r.getLong(7),
                r.getInt(8), r.getTimestamp(9).toInstant(), state == null ? null : ProposalState.valueOf(state), tally,
                r.getBigDecimal(15) == null ? null : r.getBigDecimal(15).toBigIntegerExact(),
                eta == null ? null : eta.toInstant(), executedAt == null ? null : executedAt.toInstant(), changes(c, id),
                r.getString(18), r.getString(19), cancelledAt == null ? null : cancelledAt.toInstant());
    }

    private List<ProposalChange> changes(Connection c, long id) throws SQLException {
        List<ProposalChange> changes = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT parameter, value, executed_at, tx_hash FROM proposal_change WHERE proposal_id = ? ORDER BY position")) {
            s.setLong(1, id);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    Timestamp at = rows.getTimestamp(3);
                    changes.add(new ProposalChange(rows.getString(1), rows.getString(2), at == null ? null : at.toInstant(),
                            rows.getString(4)));
                }
            }
        }
        return changes;
    }

    // ---- votes

    /** The voter's counted vote on the proposal, if any. */
    public Optional<CastVote> vote(Connection c, long proposalId, String voter) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + VOTE_COLUMNS + " FROM vote WHERE proposal_id = ? AND voter = ?")) {
            s.setLong(1, proposalId);
            s.setString(2, voter);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(vote(proposalId, rows)) : Optional.empty();
            }
        }
    }

    /**
     * Stores {@code vote}, replacing the voter's earlier vote on the proposal (the caller has checked that its nonce
     * is greater); returns whether one was replaced.
     */
    public boolean upsertVote(Connection c, CastVote vote) throws SQLException {
        boolean existed = vote(c, vote.proposalId(), vote.voter()).isPresent();
        try (PreparedStatement s = c.prepareStatement("INSERT INTO vote (proposal_id, voter, support, reason, nonce, signature, "
                + "weight, cast_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (proposal_id, voter) DO UPDATE SET "
                + "support = EXCLUDED.support, reason = EXCLUDED.reason, nonce = EXCLUDED.nonce, signature = EXCLUDED.signature, "
                + "weight = EXCLUDED.weight, cast_at = EXCLUDED.cast_at")) {
            s.setLong(1, vote.proposalId());
            s.setString(2, vote.voter());
            s.setShort(3, (short) vote.support().code());
            s.setString(4, vote.reason());
            s.setBigDecimal(5, vote.nonce() == null ? null : new BigDecimal(vote.nonce()));
            s.setString(6, vote.signature());
            s.setBigDecimal(7, new BigDecimal(vote.weight()));
            s.setTimestamp(8, Timestamp.from(vote.castAt()));
            s.executeUpdate();
        }
        return existed;
    }

    private static final String VOTE_COLUMNS = "voter, support, reason, nonce, signature, weight, cast_at";

    private static CastVote vote(long proposalId, ResultSet rows) throws SQLException {
        BigDecimal nonce = rows.getBigDecimal(4);
        return new CastVote(proposalId, rows.getString(1), VoteSupport.ofCode(rows.getShort(2)), rows.getString(3),
                nonce == null ? null : nonce.toBigIntegerExact(), rows.getString(5), rows.getBigDecimal(6).toBigIntegerExact(),
                rows.getTimestamp(7).toInstant());
    }

    public List<CastVote> votes(Connection c, long proposalId) throws SQLException {
        List<CastVote> votes = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + VOTE_COLUMNS + " FROM vote "
                + "WHERE proposal_id = ? ORDER BY cast_at, voter")) {
            s.setLong(1, proposalId);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    votes.add(vote(proposalId, rows));
                }
            }
        }
        return votes;
    }

    /** The sums of the stored votes' weights by support. */
    public Tally tally(Connection c, long proposalId) throws SQLException {
        BigInteger[] sums = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
        long voters = 0;
        try (PreparedStatement s = c.prepareStatement(
                "SELECT support, sum(weight), count(*) FROM vote WHERE proposal_id = ? GROUP BY support")) {
            s.setLong(1, proposalId);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    sums[rows.getShort(1)] = rows.getBigDecimal(2).toBigIntegerExact();
                    voters += rows.getLong(3);
                }
            }
        }
        return new Tally(sums[VoteSupport.FOR.code()], sums[VoteSupport.AGAINST.code()], sums[VoteSupport.ABSTAIN.code()], voters);
    }
}
