package cloud.agora.governance.domain;

import cloud.agora.governance.config.GovernanceConfig;
import cloud.agora.governance.persistence.GovernanceStore;
import cloud.agora.governance.persistence.GovernanceStore.StoredValue;
import cloud.agora.support.jdbc.Transactions;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The current values of the governed parameters. A fresh database gets every declared parameter's default (or the
 * configured initial value) once, at start; after that only executed proposals change them.
 */
@ApplicationScoped
public class ParameterBook {

    private final Clock clock;

    private final Transactions tx;
    private final GovernanceStore store;
    private final GovernanceConfig config;

    public ParameterBook(Transactions tx, GovernanceStore store, GovernanceConfig config, Clock clock) {
        this.clock = clock;
        this.tx = tx;
        this.store = store;
        this.config = config;
    }

    void seed(@Observes StartupEvent event) {
        Map<String, String> initial = config.initialValues();
        for (String name : initial.keySet()) {
            if (Parameters.named(name).isEmpty()) {
                throw new IllegalStateException("agora.governance.initial-values names an undeclared parameter: " + name);
            }
        }
        Duration timelock = Duration.parse(Parameters.named(Parameters.TIMELOCK).orElseThrow()
                .canonical(initial.getOrDefault(Parameters.TIMELOCK, Parameters.named(Parameters.TIMELOCK).orElseThrow().defaultValue())));
        if (timelock.compareTo(config.timelockFloor()) < 0) {
            throw new IllegalStateException("the initial governance.timelock " + timelock + " is below agora.governance.timelock-floor "
                    + config.timelockFloor() + ": raise the one or lower the other");
        }
        Instant now = clock.instant();
        tx.inTransaction(c -> {
            for (ParameterDefinition p : Parameters.ALL) {
                store.seed(c, p.name(), p.canonical(initial.getOrDefault(p.name(), p.defaultValue())), now);
            }
            return null;
        });
    }

    /** The current values on {@code c}. */
    public Map<String, StoredValue> values(Connection c) throws SQLException {
        return store.values(c);
    }

    /** Every value each parameter has had, oldest first. */
    public List<StoredValue> history(Connection c) throws SQLException {
        return store.history(c);
    }

    /**
     * The lowest value {@code parameter} may be given by a proposal as far as this service's configuration goes: its
     * declared minimum, raised by {@code agora.governance.timelock-floor} for {@code governance.timelock}.
     */
    public String minimum(ParameterDefinition parameter) {
        if (parameter.name().equals(Parameters.TIMELOCK)
                && config.timelockFloor().compareTo(Duration.parse(parameter.min())) > 0) {
            return config.timelockFloor().toString();
        }
        return parameter.min();
    }

    /** The current value of an integer parameter. */
    public static BigInteger integer(Map<String, StoredValue> values, String name) {
        return new BigInteger(values.get(name).value());
    }

    /** The current value of a duration parameter. */
    public static Duration duration(Map<String, StoredValue> values, String name) {
        return Duration.parse(values.get(name).value());
    }
}
