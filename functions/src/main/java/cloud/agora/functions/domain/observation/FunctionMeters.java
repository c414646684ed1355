package cloud.agora.functions.domain.observation;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;

/**
 * What an operator watches of each function on the gateway's {@code /q/metrics} (Prometheus): its calls by outcome,
 * their duration as the gateway saw it, its cold starts and their duration. Tagged {@code function} (its name) and
 * {@code owner} (the developer's address): a name is unique per owner. Names and tags are listed in the module README.
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

    public FunctionMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A call the provider answered. */
    public void answered(String function, Address owner, InvocationOutcome outcome, boolean warm, Duration took) {
        count(function, owner, outcome.name().toLowerCase(Locale.ROOT));
        timer(DURATION, "from sending a call to the provider to its answer", function, owner).record(took);
        if (!warm) {
            Counter.builder(COLD_STARTS).description("calls answered from a container started for them")
                    .tag("function", function).tag("owner", owner.value()).register(registry).increment();
            timer(COLD_START_DURATION, "duration of the calls answered from a container started for them", function,
                    owner).record(took);
        }
    }

    /** A call that failed on the provider's side. */
    public void failed(String function, Address owner, CallObserver.Failure failure) {
        count(function, owner, switch (failure) {
            case AGENT_ERROR -> "agent_error";
            case TIMEOUT -> "agent_timeout";
            case UNREACHABLE -> "unreachable";
        });
    }

    private void count(String function, Address owner, String outcome) {
        Counter.builder(CALLS).description("calls sent to a provider").tag("function", function)
                .tag("owner", owner.value()).tag("outcome", outcome).register(registry).increment();
    }

    private Timer timer(String name, String description, String function, Address owner) {
        return Timer.builder(name).description(description).tag("function", function).tag("owner", owner.value())
                .publishPercentileHistogram().register(registry);
    }
}
