package cloud.agora.functions.domain.limits;

import static cloud.agora.protocol.governance.FunctionsParameters.LOG_RETENTION;
import static cloud.agora.protocol.governance.FunctionsParameters.MAX_BODY_SIZE;
import static cloud.agora.protocol.governance.FunctionsParameters.MAX_IMAGE_SIZE;
import static cloud.agora.protocol.governance.FunctionsParameters.MAX_TIMEOUT;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionSpec;
import cloud.agora.functions.persistence.GovernedParameterStore;
import cloud.agora.protocol.governance.FunctionsParameters;
import cloud.agora.protocol.governance.ParameterChanged;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The functions service's governed limits in effect ({@link GovernedLimits}): the configured defaults
 * ({@code max-timeout}, {@code max-invocation-bytes}), overridden by governance's decisions ({@code ParameterChanged}
 * on {@code governance.decisions.v1}), which are recorded in {@code governed_parameters} so that a restart keeps them.
 * Applying a decision is idempotent and the later {@code effectiveAt} wins, whatever order decisions arrive in. The
 * limits are read from memory (safe on an event loop); every instance re-reads the recorded decisions each second, so
 * one recorded by another gateway instance reaches this one too.
 */
@ApplicationScoped
public class FunctionRules {

    private static final Logger LOG = Logger.getLogger(FunctionRules.class);
    private static final Duration LONGEST = Duration.ofMillis(Integer.MAX_VALUE);
    /** Longer than any retention governance allows, short enough that {@code now - retention} never overflows. */
    private static final Duration LONGEST_RETENTION = Duration.ofDays(36_500);

    private final GovernedParameterStore recorded;
    private final GovernedLimits defaults;
    private volatile GovernedLimits inEffect;
    private final Duration defaultScaleDownAfter;
    private volatile Duration scaleDownAfter;

    public FunctionRules(GovernedParameterStore recorded, FunctionsConfig config) {
        this.recorded = recorded;
        this.defaults = new GovernedLimits(config.maxTimeout(), config.maxInvocationBytes(), config.maxImageBytes(),
                config.logRetention());
        this.inEffect = defaults;
        this.defaultScaleDownAfter = config.scaling().downAfter();
        this.scaleDownAfter = defaultScaleDownAfter;
    }

    /**
     * The idle time in effect: how long a scaled deployment's load must stay within one replica fewer before a replica
     * is given up (the governed {@code functions.scale-down-after}; {@code scaling.down-after} until governance
     * decides).
     */
    public Duration scaleDownAfter() {
        return scaleDownAfter;
    }

    /** The limits in effect. In memory only. */
    public GovernedLimits inEffect() {
        return inEffect;
    }

    /**
     * Records a decision if it is about this service's limits, valid, and newer than what is recorded. A value that
     * does not read as its parameter's kind (a timeout of at least {@value FunctionSpec#MIN_TIMEOUT_MILLIS} ms, a
     * positive number of bytes, a log retention of at least a minute), or that this service cannot hold, is logged
     * and ignored.
     *
     * @return whether the recorded value changed
     */
    public boolean apply(String eventId, ParameterChanged decision) {
        String value;
        try {
            if (MAX_TIMEOUT.equals(decision.name())) {
                Duration timeout = decision.durationValue();
                if (timeout.toMillis() < FunctionSpec.MIN_TIMEOUT_MILLIS || timeout.compareTo(LONGEST) > 0) {
                    LOG.warnf("ignoring decision %s: %s must be from %d ms to %d ms, got %s", eventId, decision.name(),
                            FunctionSpec.MIN_TIMEOUT_MILLIS, Integer.MAX_VALUE, timeout);
                    return false;
                }
                value = timeout.toString();
            } else if (MAX_BODY_SIZE.equals(decision.name())) {
                BigInteger bytes = decision.integerValue();
                if (bytes.signum() <= 0 || bytes.bitLength() >= Integer.SIZE) {
                    LOG.warnf("ignoring decision %s: %s must be from 1 to %d bytes, got %s", eventId, decision.name(),
                            Integer.MAX_VALUE, bytes);
                    return false;
                }
                value = bytes.toString();
            } else if (MAX_IMAGE_SIZE.equals(decision.name())) {
                BigInteger bytes = decision.integerValue();
                if (bytes.signum() <= 0 || bytes.bitLength() >= Long.SIZE) {
                    LOG.warnf("ignoring decision %s: %s must be from 1 to %d bytes, got %s", eventId, decision.name(),
                            Long.MAX_VALUE, bytes);
                    return false;
                }
                value = bytes.toString();
            } else if (FunctionsParameters.SCALE_DOWN_AFTER.equals(decision.name())) {
                Duration idle = decision.durationValue();
                if (idle.compareTo(Duration.ofSeconds(1)) < 0 || idle.compareTo(LONGEST_RETENTION) > 0) {
                    LOG.warnf("ignoring decision %s: %s must be from 1 s to %s, got %s", eventId, decision.name(),
                            LONGEST_RETENTION, idle);
                    return false;
                }
                value = idle.toString();
            } else if (LOG_RETENTION.equals(decision.name())) {
                Duration retention = decision.durationValue();
                if (retention.compareTo(GovernedLimits.MIN_LOG_RETENTION) < 0 || retention.compareTo(LONGEST_RETENTION) > 0) {
                    LOG.warnf("ignoring decision %s: %s must be from %s to %s, got %s", eventId, decision.name(),
                            GovernedLimits.MIN_LOG_RETENTION, LONGEST_RETENTION, retention);
                    return false;
                }
                value = retention.toString();
            } else {
                return false;
            }
        } catch (IllegalStateException | NumberFormatException | DateTimeParseException | ArithmeticException e) {
            LOG.warnf("ignoring decision %s: %s = %s (%s) is not a valid value: %s", eventId, decision.name(),
                    decision.value(), decision.unit(), e.getMessage());
            return false;
        }
        boolean changed = recorded.record(decision.name(), value, decision.unit(), decision.effectiveAt(),
                decision.proposalId(), eventId);
        refresh();
        if (changed) {
            LOG.infof("governance set %s = %s (proposal %d)", decision.name(), value, decision.proposalId());
        }
        return changed;
    }

    void start(@Observes StartupEvent event) {
        refresh();
    }

    /** Re-reads the recorded decisions (another gateway instance may have recorded one). */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void refresh() {
        Map<String, String> values = recorded.all();
        String timeout = values.get(MAX_TIMEOUT);
        String bytes = values.get(MAX_BODY_SIZE);
        String image = values.get(MAX_IMAGE_SIZE);
        String retention = values.get(LOG_RETENTION);
        String idle = values.get(FunctionsParameters.SCALE_DOWN_AFTER);
        scaleDownAfter = idle == null ? defaultScaleDownAfter : Duration.parse(idle);
        inEffect = new GovernedLimits(timeout == null ? defaults.maxTimeout() : Duration.parse(timeout),
                bytes == null ? defaults.maxBodyBytes() : Integer.parseInt(bytes),
                image == null ? defaults.maxImageBytes() : Long.parseLong(image),
                retention == null ? defaults.logRetention() : Duration.parse(retention));
    }
}
