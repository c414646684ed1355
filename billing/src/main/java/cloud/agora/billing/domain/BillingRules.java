package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.support.governed.GovernedParameterTable;
import cloud.agora.protocol.governance.ParameterChanged;
import cloud.agora.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Billing's governed parameters in effect: the configured defaults, overridden by governance's decisions
 * ({@code ParameterChanged} on {@code governance.decisions.v1}), which are recorded so that a restart keeps them.
 * Applying a decision is idempotent and the later {@code effectiveAt} wins, whatever order decisions arrive in. Names
 * are governance's ({@code governance}'s parameter catalogue).
 */
@ApplicationScoped
public class BillingRules {

    /** Escrow balance less unpaid charges below which a developer is paused, wei. */
    public static final String CREDIT_FLOOR = "billing.credit-floor";
    /** Unvouchered charges of a pair at which a voucher is signed, wei. */
    public static final String VOUCHER_THRESHOLD = "billing.voucher-threshold";
    /** How long charges may wait before a voucher is signed anyway (not declared by governance yet). */
    public static final String VOUCHER_PERIOD = "billing.voucher-period";
    /** How long a receipt waits for the gateway's witness before it is quarantined {@code unwitnessed}. */
    public static final String WITNESS_WINDOW = "billing.witness-window";
    public static final String DISPUTE_WINDOW = "billing.dispute-window";

    private static final Set<String> WEI = Set.of(CREDIT_FLOOR, VOUCHER_THRESHOLD);
    private static final Set<String> DURATIONS = Set.of(VOUCHER_PERIOD, WITNESS_WINDOW, DISPUTE_WINDOW);
    private static final Logger LOG = Logger.getLogger(BillingRules.class);

    private final Transactions transactions;
    private final GovernedParameterTable governed;
    private final BillingConfig config;

    public BillingRules(Transactions transactions, GovernedParameterTable governed, BillingConfig config) {
        this.transactions = transactions;
        this.governed = governed;
        this.config = config;
    }

    /** The credit floor in effect, wei. */
    public BigInteger creditFloor() {
        return new BigInteger(inEffect().getOrDefault(CREDIT_FLOOR, config.credit().floor()));
    }

    /** The voucher threshold in effect, wei. */
    public BigInteger voucherThreshold() {
        return new BigInteger(inEffect().getOrDefault(VOUCHER_THRESHOLD, config.vouchers().threshold()));
    }

    /** The voucher period in effect. */
    public Duration voucherPeriod() {
        String value = inEffect().get(VOUCHER_PERIOD);
        return value == null ? config.vouchers().period() : Duration.parse(value);
    }

    /** The witness window in effect. */
    public Duration witnessWindow() {
        String value = inEffect().get(WITNESS_WINDOW);
        return value == null ? config.witnessWindow() : Duration.parse(value);
    }

    /** How long after a call ended its charge may be disputed (governed {@code billing.dispute-window}). */
    public Duration disputeWindow() {
        String value = inEffect().get(DISPUTE_WINDOW);
        return value == null ? config.disputes().window() : Duration.parse(value);
    }

    /**
     * Records a decision if it is about billing, valid, and newer than what is recorded.
     *
     * @return whether the value in effect changed
     */
    public boolean apply(String eventId, ParameterChanged decision) {
        String value;
        try {
            if (WEI.contains(decision.name())) {
                BigInteger wei = decision.integerValue();
                if (wei.signum() < 0) {
                    LOG.warnf("ignoring decision %s: %s must not be negative, got %s", eventId, decision.name(), wei);
                    return false;
                }
                value = wei.toString();
            } else if (DURATIONS.contains(decision.name())) {
                Duration period = decision.durationValue();
                if (period.isNegative() || period.isZero()) {
                    LOG.warnf("ignoring decision %s: %s must be positive, got %s", eventId, decision.name(), period);
                    return false;
                }
                value = period.toString();
            } else {
                return false;
            }
        } catch (IllegalStateException | NumberFormatException | DateTimeParseException e) {
            LOG.warnf("ignoring decision %s: %s = %s (%s) is not a valid value: %s", eventId, decision.name(),
                    decision.value(), decision.unit(), e.getMessage());
            return false;
        }
        boolean changed = transactions.inTransaction(c -> governed.record(c, decision.name(), value, decision.unit(),
                decision.effectiveAt(), decision.proposalId(), eventId));
        if (changed) {
            LOG.infof("governance set %s = %s (proposal %d)", decision.name(), value, decision.proposalId());
        }
        return changed;
    }

    private Map<String, String> inEffect() {
        return transactions.read(governed::all);
    }
}
