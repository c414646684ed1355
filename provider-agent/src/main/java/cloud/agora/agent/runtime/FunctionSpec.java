package cloud.agora.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The function a call runs: a runtime (a named root filesystem the provider offers), its
 * unpacked bundle (mounted read-only at {@code /function}) and the command to start.
 *
 * @param runtime   {@code shell} (busybox) or {@code jvm} (host JDK mounted read-only)
 * @param bundleDir the unpacked bundle on this host
 * @param command   argv inside the container, e.g. {@code ["/bin/sh", "/function/handler.sh"]}
 */
public record FunctionSpec(String runtime, Path bundleDir, List<String> command) {

    public FunctionSpec {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(bundleDir, "bundleDir");
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("a function needs a command");
        }
        command = List.copyOf(command);
    }

    /** A shell function: {@code sh /function/<script>}. */
    public static FunctionSpec shell(Path bundleDir, String script) {
        return new FunctionSpec("shell", bundleDir, List.of("/bin/sh", "/function/" + script));
    }
}
