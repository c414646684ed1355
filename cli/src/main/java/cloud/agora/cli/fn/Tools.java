package cloud.agora.cli.fn;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a host tool (ldd, jlink, mvn, npm) with its output collected, and finds tools on the PATH. */
final class Tools {

    private static final long TIMEOUT_MINUTES = 30;

    /** A finished tool: its exit code and its output (both streams). */
    record Result(int exit, String output) {
    }

    private Tools() {
    }

    /** Runs {@code command} in {@code dir} (null: here) with {@code env} added; its output in a temporary file. */
    static Result run(List<String> command, Path dir, Map<String, String> env) throws IOException {
        Path out = Files.createTempFile("agora-tool-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (dir != null) {
                builder.directory(dir.toFile());
            }
            builder.environment().putAll(env);
            Process process = builder.start();
            try {
                if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new IOException(command.get(0) + " did not finish within " + TIMEOUT_MINUTES + " minutes");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IOException("interrupted while running " + command.get(0), e);
            }
            return new Result(process.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs {@code command} and fails with its output unless it exits 0. */
    static String require(List<String> command, Path dir, Map<String, String> env) throws IOException {
        Result result = run(command, dir, env);
        if (result.exit() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + result.exit() + "):\n" + result.output().strip());
        }
        return result.output();
    }

    /** {@code name} on the PATH, if any. */
    static Path onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
