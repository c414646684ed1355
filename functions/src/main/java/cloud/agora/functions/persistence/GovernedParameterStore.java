package cloud.agora.functions.persistence;

import cloud.agora.support.governed.GovernedParameterTable;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;

/**
 * Governance's decisions on this service's parameters as recorded ({@code governed_parameters}), so that a restart
 * and every other instance apply them.
 */
@ApplicationScoped
public class GovernedParameterStore {

    private final Transactions transactions;
    private final GovernedParameterTable governed;

    public GovernedParameterStore(Transactions transactions, GovernedParameterTable governed) {
        this.transactions = transactions;
        this.governed = governed;
    }

    /**
     * Records a decision unless one at least as recent is already recorded for the parameter.
     *
     * @return whether the recorded value changed
     */
    public boolean record(String name, String value, String unit, Instant effectiveAt, long proposalId,
            String eventId) {
        return transactions.inTransaction(c -> governed.record(c, name, value, unit, effectiveAt, proposalId, eventId));
    }

    /** Every recorded value, by parameter name. */
    public Map<String, String> all() {
        return transactions.read(governed::all);
    }
}
