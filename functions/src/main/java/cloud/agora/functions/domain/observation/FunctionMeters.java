package cloud.agora.functions.domain.observation;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an operator watches of each function on the gateway's {@code /q/metrics} (Prometheus): its calls by outcome,
 * their duration as the gateway saw it, its cold starts and their duration. Tagged {@code function} (its name) and
 * {@code owner} (the developer's address): a name is unique per owner. Names and tags are listed in the module README.
 *
 * <p>Each function's meters are registered on their first use and kept per (function, owner), so a call looks them up
 * in one map instead of building and registering them again; a meter appears on {@code /q/metrics} once it was used.
 */
@ApplicationScoped
public class FunctionMeters {

    /**
     * Calls sent to a provider, tagged {@code outcome}: how the function ended ({@code ok}, {@code function_error},
     * {@code timeout}, {@code out_of_memory}) or how the call failed on the provider's side ({@code agent_error},
     * {@code agent_timeout}, {@code unreachable}).
     */
    public static final String CALLS = "agora.function.calls";
    /** From sending a call to the provider to its answer. */
    public static final String DURATION = "agora.function.duration";
    /** Calls the provider answered from a container it started for them. */
    public static final String COLD_STARTS = "agora.function.cold.starts";
    /** Duration of those calls. */
    public static final String COLD_START_DURATION = "agora.function.cold.start.duration";

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Key, Meters> meters = new ConcurrentHashMap<>();

    public FunctionMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A call the provider answered. */
    public void answered(String function, Address owner, InvocationOutcome outcome, boolean warm, Duration took) {
        Meters m = of(function, owner);
        m.calls(outcome.name().toLowerCase(Locale.ROOT)).increment();
        m.duration().record(took);
        if (!warm) {
            m.coldStarts().increment();
            m.coldStartDuration().record(took);
        }
    }

    /** A call that failed on the provider's side. */
    public void failed(String function, Address owner, CallObserver.Failure failure) {
        of(function, owner).calls(switch (failure) {
            case AGENT_ERROR -> "agent_error";
            case TIMEOUT -> "agent_timeout";
            case UNREACHABLE -> "unreachable";
        }).increment();
    }

    private Meters of(String function, Address owner) {
        return meters.computeIfAbsent(new Key(function, owner.value()), Meters::new);
    }

    /** A function as its meters are tagged: a name is unique per owner. */
    private record Key(String function, String owner) {
    }

    /**
     * One function's meters. Each is registered on its first use; two threads registering the same one at once get
     * the same meter from the registry, so the race is harmless.
     */
    private final class Meters {

        private final Tags tags;
        private final ConcurrentHashMap<String, Counter> calls = new ConcurrentHashMap<>();
        private volatile Timer duration;
        private volatile Counter coldStarts;
        private volatile Timer coldStartDuration;

        Meters(Key key) {
            this.tags = Tags.of("function", key.function(), "owner", key.owner());
        }

        Counter calls(String outcome) {
            return calls.computeIfAbsent(outcome, o -> Counter.builder(CALLS).description("calls sent to a provider")
                    .tags(tags).tag("outcome", o).register(registry));
        }

        Timer duration() {
            Timer t = duration;
            if (t == null) {
                t = timer(DURATION, "from sending a call to the provider to its answer");
                duration = t;
            }
            return t;
        }

        Counter coldStarts() {
            Counter c = coldStarts;
            if (c == null) {
                c = Counter.builder(COLD_STARTS).description("calls answered from a container started for them")
                        .tags(tags).register(registry);
                coldStarts = c;
            }
            return c;
        }

        Timer coldStartDuration() {
            Timer t = coldStartDuration;
            if (t == null) {
                t = timer(COLD_START_DURATION, "duration of the calls answered from a container started for them");
                coldStartDuration = t;
            }
            return t;
        }

        private Timer timer(String name, String description) {
            return Timer.builder(name).description(description).tags(tags).publishPercentileHistogram()
                    .register(registry);
        }
    }
}
