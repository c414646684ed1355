package cloud.agora.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The function a call runs: a runtime (a named root filesystem the provider offers), its
 * unpacked bundle (mounted read-only at {@code /function}), the command to start and how calls reach it.
 *
 * @param runtime   {@code shell} (busybox) or {@code jvm} (the agent's JVM image)
 * @param bundleDir the unpacked bundle on this host
 * @param command   argv inside the container, e.g. {@code ["/bin/sh", "/function/handler.sh"]}
 * @param mode      {@link Mode#EXEC}: one process per call, the body on stdin; {@link Mode#HTTP}: one long-running
 *                  server per container, each call an HTTP request to it
 * @param env       the function's own environment, given to an HTTP server when its container starts (an exec
 *                  function gets it with each call instead); part of what a warm container serves
 * @param rootfs    for {@value #IMAGE}: the function's own image, unpacked (its root, read-only); null for a runtime
 *                  the provider offers
 * @param workingDir the directory the command starts in ({@code /tmp} when null)
 */
public record FunctionSpec(String runtime, Path bundleDir, List<String> command, Mode mode, Map<String, String> env,
        Path rootfs, String workingDir) {

    /** The runtime of a function that brings its own OCI image (its bundle is the image). */
    public static final String IMAGE = "image";

    /** How calls reach the function. */
    public enum Mode {
        /** One process per call: the body on stdin, the metadata in the environment, the response on stdout. */
        EXEC,
        /** A long-running HTTP server on {@code $PORT} in the container: one call at a time, each an HTTP request. */
        HTTP;

        /** The mode named {@code name} ({@code exec}, {@code http}), exec when null. */
        public static Mode of(String name) {
            if (name == null || name.equalsIgnoreCase("exec")) {
                return EXEC;
            }
            if (name.equalsIgnoreCase("http")) {
                return HTTP;
            }
            throw new IllegalArgumentException("unknown mode " + name + " (exec, http)");
        }
    }

    public FunctionSpec {
        Objects.requireNonNull(runtime, "runtime");
        if (IMAGE.equals(runtime) != (rootfs != null)) {
            throw new IllegalArgumentException("an image function, and only one, has its own root filesystem");
        }
        if (rootfs == null) {
            Objects.requireNonNull(bundleDir, "bundleDir");
        }
        Objects.requireNonNull(mode, "mode");
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("a function needs a command");
        }
        command = List.copyOf(command);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** A function of a runtime the provider offers, its bundle at {@code /function}. */
    public FunctionSpec(String runtime, Path bundleDir, List<String> command, Mode mode, Map<String, String> env) {
        this(runtime, bundleDir, command, mode, env, null, null);
    }

    /** An exec-mode function. */
    public FunctionSpec(String runtime, Path bundleDir, List<String> command) {
        this(runtime, bundleDir, command, Mode.EXEC, Map.of());
    }

    /** An HTTP-mode function in its own image (no bundle at {@code /function}: the image holds its files). */
    public static FunctionSpec image(Path rootfs, List<String> command, Map<String, String> env, String workingDir) {
        return new FunctionSpec(IMAGE, null, command, Mode.HTTP, env, rootfs, workingDir);
    }

    /** A shell function: {@code sh /function/<script>}. */
    public static FunctionSpec shell(Path bundleDir, String script) {
        return new FunctionSpec("shell", bundleDir, List.of("/bin/sh", "/function/" + script));
    }
}
