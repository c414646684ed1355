package cloud.agora.functions.domain.catalog;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The runtimes a function can ask for. Only those the provider agent runs and tests are
 * listed: {@code shell} (busybox in a runc container), {@code jvm} (the agent's JVM image: a jlink'ed JDK with
 * the single-file source launcher) and {@code image} (the function's own OCI image).
 */
public enum FunctionRuntime {
    SHELL("shell", "handler.sh", "/bin/sh"),
    JVM("jvm", "Main.java", "java"),
    /** The function's own OCI image (the bundle is the image archive), served in HTTP mode. */
    IMAGE("image", "", null);

    private final String id;
    private final String defaultEntrypoint;
    private final String interpreter;

    FunctionRuntime(String id, String defaultEntrypoint, String interpreter) {
        this.id = id;
        this.defaultEntrypoint = defaultEntrypoint;
        this.interpreter = interpreter;
    }

    /** The entrypoint when a spec names none. */
    public String defaultEntrypoint() {
        return defaultEntrypoint;
    }

    /**
     * The command when a spec names none: the runtime's interpreter on the entrypoint in the bundle; none for an image
     * (the agent runs the image's own entrypoint and command).
     */
    public List<String> command(String entrypoint) {
        return interpreter == null ? List.of() : List.of(interpreter, "/function/" + entrypoint);
    }

    /** Whether the bundle is an OCI image archive rather than a tar.gz of files. */
    public boolean isImage() {
        return this == IMAGE;
    }

    /** The name used in specs and by the agent's invocation API. */
    public String id() {
        return id;
    }

    /** The runtime named {@code id}, if known. */
    public static Optional<FunctionRuntime> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }

    /** Every known runtime name, for error messages. */
    public static String known() {
        return String.join(", ", Arrays.stream(values()).map(FunctionRuntime::id).toList());
    }
}
