package cloud.agora.functions.domain.catalog;

import cloud.agora.protocol.bundle.BundlePaths;
import cloud.agora.protocol.governance.FunctionsParameters;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a developer asks for when publishing a version. Absent optional fields take the
 * defaults below; {@link #validated} checks every rule and returns the complete spec.
 *
 * @param name           global function name: lower-case letters, digits and '-', 2–63, a letter first, no '-' last
 * @param runtime        a {@link FunctionRuntime} id
 * @param entrypoint     the script inside the bundle, a safe relative path (default {@code handler.sh})
 * @param memoryMiB      memory per replica, {@value #MIN_MEMORY_MIB}–{@value #MAX_MEMORY_MIB} (default 128)
 * @param cpuMillis      CPU per replica, {@value #MIN_CPU_MILLIS}–{@value #MAX_CPU_MILLIS} (default 250)
 * @param timeoutMillis  per-invocation limit, from {@value #MIN_TIMEOUT_MILLIS} to the governed {@code functions.max-timeout}
 *                       (default {@value #DEFAULT_TIMEOUT_MILLIS}, or that maximum when it is shorter)
 * @param maxConcurrency most invocations in flight across replicas, 1–{@value #MAX_CONCURRENCY} (default 10)
 * @param env            at most {@value #MAX_ENV} variables
 * @param mode           {@code exec} (default: one process per call, the body on stdin, the response on stdout) or
 *                       {@code http} (the command is a long-running HTTP server listening on {@code $PORT}; each call
 *                       is forwarded to it as an HTTP request and its status, headers and body are the response)
 * @param command        the argv the container starts, at most {@value #MAX_COMMAND_ARGS} arguments (default: the
 *                       runtime's, {@link FunctionRuntime#command}; for an image, empty: the image's entrypoint and
 *                       command)
 */
public record FunctionSpec(String name, String runtime, String entrypoint, Integer memoryMiB, Integer cpuMillis,
        Integer timeoutMillis, Integer maxConcurrency, List<EnvVar> env, String mode, List<String> command) {

    /** A spec with the runtime's command in exec mode. */
    public FunctionSpec(String name, String runtime, String entrypoint, Integer memoryMiB, Integer cpuMillis,
            Integer timeoutMillis, Integer maxConcurrency, List<EnvVar> env) {
        this(name, runtime, entrypoint, memoryMiB, cpuMillis, timeoutMillis, maxConcurrency, env, null, null);
    }

    public static final String EXEC = "exec";
    public static final String HTTP = "http";
    public static final int MAX_COMMAND_ARGS = 64;

    public static final int MIN_MEMORY_MIB = 16;
    public static final int MAX_MEMORY_MIB = 4096;
    public static final int MIN_CPU_MILLIS = 10;
    public static final int MAX_CPU_MILLIS = 4000;
    public static final int MIN_TIMEOUT_MILLIS = 100;
    public static final int DEFAULT_TIMEOUT_MILLIS = 10_000;
    public static final int MAX_CONCURRENCY = 1000;
    public static final int MAX_ENV = 64;
    public static final int MAX_ENV_VALUE_CHARS = 4096;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,61}[a-z0-9]");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /**
     * This spec with defaults filled in, or the first rule it breaks as an exception.
     *
     * @param maxTimeoutMillis the longest timeout a function may declare now (the governed {@code functions.max-timeout})
     */
    public FunctionSpec validated(int maxTimeoutMillis) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidFunctionSpecException("name must be 2-63 characters of a-z, 0-9 and '-', start with a letter"
                    + " and not end with '-', got " + quoted(name));
        }
        if (runtime == null) {
            throw new InvalidFunctionSpecException("runtime is required (known: " + FunctionRuntime.known() + ")");
        }
        if (FunctionRuntime.byId(runtime).isEmpty()) {
            throw new UnknownRuntimeException("runtime " + quoted(runtime) + " is not known (known: "
                    + FunctionRuntime.known() + ")", java.util.Map.of("runtime", runtime));
        }
        FunctionRuntime kind = FunctionRuntime.byId(runtime).orElseThrow();
        String entry = entrypoint == null ? kind.defaultEntrypoint() : entrypoint;
        if (kind.isImage() && !entry.isEmpty()) {
            throw new InvalidFunctionSpecException("an image function has no entrypoint in a bundle: its image's entrypoint"
                    + " runs, or the spec's command");
        }
        if (!kind.isImage() && (!BundlePaths.isSafe(entry) || entry.endsWith("/"))) {
            throw new InvalidFunctionSpecException("entrypoint must be a relative path inside the bundle, got " + quoted(entry));
        }
        int memory = within("memoryMiB", memoryMiB, 128, MIN_MEMORY_MIB, MAX_MEMORY_MIB);
        int cpu = within("cpuMillis", cpuMillis, 250, MIN_CPU_MILLIS, MAX_CPU_MILLIS);
        int timeout = timeoutMillis == null ? Math.min(DEFAULT_TIMEOUT_MILLIS, maxTimeoutMillis) : timeoutMillis;
        if (timeout < MIN_TIMEOUT_MILLIS || timeout > maxTimeoutMillis) {
            throw new InvalidFunctionSpecException("timeoutMillis must be between " + MIN_TIMEOUT_MILLIS + " and "
                    + maxTimeoutMillis + " (the governed " + FunctionsParameters.MAX_TIMEOUT + "), got " + timeout);
        }
        int concurrency = within("maxConcurrency", maxConcurrency, 10, 1, MAX_CONCURRENCY);
        List<EnvVar> variables = env == null ? List.of() : List.copyOf(env);
        if (variables.size() > MAX_ENV) {
            throw new InvalidFunctionSpecException("at most " + MAX_ENV + " environment variables, got " + variables.size());
        }
        Set<String> seen = new HashSet<>();
        for (EnvVar variable : variables) {
            if (variable == null || variable.name() == null || !ENV_NAME.matcher(variable.name()).matches()) {
                throw new InvalidFunctionSpecException("env names are letters, digits and '_', not starting with a digit, got "
                        + quoted(variable == null ? null : variable.name()));
            }
            if (variable.name().toUpperCase(java.util.Locale.ROOT).startsWith("AGORA_")) {
                throw new InvalidFunctionSpecException("env name " + variable.name() + ": the AGORA_ prefix is reserved");
            }
            if (!seen.add(variable.name())) {
                throw new InvalidFunctionSpecException("env name " + variable.name() + " appears twice");
            }
            if (variable.value() == null || variable.value().length() > MAX_ENV_VALUE_CHARS
                    || variable.value().indexOf('\0') >= 0) {
                throw new InvalidFunctionSpecException("env " + variable.name() + " needs a value of at most "
                        + MAX_ENV_VALUE_CHARS + " characters without NUL");
            }
        }
        String how = mode == null ? (kind.isImage() ? HTTP : EXEC) : mode;
        if (!how.equals(EXEC) && !how.equals(HTTP)) {
            throw new InvalidFunctionSpecException("mode must be " + EXEC + " or " + HTTP + ", got " + quoted(mode));
        }
        if (kind.isImage() && !how.equals(HTTP)) {
            throw new InvalidFunctionSpecException("an image function runs in mode " + HTTP + " (a server on $PORT)");
        }
        List<String> argv = command == null ? kind.command(entry) : command;
        if ((argv.isEmpty() && !kind.isImage()) || argv.size() > MAX_COMMAND_ARGS
                || argv.stream().anyMatch(a -> a == null || a.length() > MAX_ENV_VALUE_CHARS || a.indexOf('\0') >= 0)) {
            throw new InvalidFunctionSpecException("command must be 1 to " + MAX_COMMAND_ARGS + " arguments of at most "
                    + MAX_ENV_VALUE_CHARS + " characters without NUL (none for an image: its own entrypoint runs)");
        }
        return new FunctionSpec(name, runtime, entry, memory, cpu, timeout, concurrency, variables, how, List.copyOf(argv));
    }

    private static int within(String field, Integer value, int fallback, int min, int max) {
        int v = value == null ? fallback : value;
        if (v < min || v > max) {
            throw new InvalidFunctionSpecException(field + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    private static String quoted(String s) {
        return s == null ? "nothing" : "'" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "'";
    }
}
