package cloud.agora.functions.persistence;

import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** Billing's credit decisions per developer, the newest by event time kept (replays change nothing). */
@ApplicationScoped
public class CreditStore {

    private final Transactions tx;

    public CreditStore(Transactions tx) {
        this.tx = tx;
    }

    /** Records a decision unless a newer one is already recorded. */
    public void decide(String address, boolean paused, Instant at, String eventId) {
        tx.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO developer_credit (address, paused, decided_at, event_id)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET paused = excluded.paused,"
                    + " decided_at = excluded.decided_at, event_id = excluded.event_id"
                    + " WHERE developer_credit.decided_at <= excluded.decided_at")) {
                s.setString(1, address);
                s.setBoolean(2, paused);
                s.setTimestamp(3, Timestamp.from(at));
                s.setString(4, eventId);
                s.executeUpdate();
            }
            return null;
        });
    }

    /** The developers (lower-case addresses) whose calls are paused. */
    public Set<String> paused() {
        return tx.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT address FROM developer_credit WHERE paused");
                    ResultSet r = s.executeQuery()) {
                Set<String> out = new HashSet<>();
                while (r.next()) {
                    out.add(r.getString(1));
                }
                return out;
            }
        });
    }
}
