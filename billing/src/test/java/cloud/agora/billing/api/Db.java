package cloud.agora.billing.api;

import io.agroal.api.AgroalDataSource;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Small queries for assertions. */
final class Db {

    private final AgroalDataSource dataSource;

    Db(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    long count(String sql, Object... args) {
        return number(sql, args).longValueExact();
    }

    BigInteger number(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                java.math.BigDecimal value = r.getBigDecimal(1);
                return value == null ? BigInteger.ZERO : value.toBigIntegerExact();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> strings(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rated receipts, quarantine rows, times seen in quarantine, totals rows, pairs rated sum. */
    List<Object> state() {
        return List.of(count("SELECT count(*) FROM receipts"), count("SELECT count(*) FROM quarantine"),
                count("SELECT COALESCE(sum(times_seen), 0) FROM quarantine"), number("SELECT COALESCE(sum(charged), 0) FROM usage_totals"),
                number("SELECT COALESCE(sum(rated), 0) FROM pairs"));
    }
}
