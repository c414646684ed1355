package cloud.agora.functions.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * The runtimes a function can ask for. Only those the provider agent runs and tests are
 * listed: {@code shell} (busybox {@code sh} in a runc container).
 */
public enum Runtime {
    SHELL("shell");

    private final String id;

    Runtime(String id) {
        this.id = id;
    }

    /** The name used in specs and by the agent's invocation API. */
    public String id() {
        return id;
    }

    /** The runtime named {@code id}, if known. */
    public static Optional<Runtime> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }

    /** Every known runtime name, for error messages. */
    public static String known() {
        return String.join(", ", Arrays.stream(values()).map(Runtime::id).toList());
    }
}
