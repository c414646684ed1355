package cloud.agora.cli.fn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shared libraries host programs load, as the host's own loader resolves them ({@code ldd}): the transitive
 * closure with the loader itself, at the paths where the loader finds them, so that copies at the same paths in an
 * image are what the program loads there. {@code ldd} runs (traces) what it is given: give it only the host's own
 * binaries, never a function's.
 */
final class HostLibraries {

    private static final Pattern RESOLVED = Pattern.compile("^\\s*(\\S+) => (/\\S+) \\(0x[0-9a-f]+\\)$");
    private static final Pattern DIRECT = Pattern.compile("^\\s*(/\\S+) \\(0x[0-9a-f]+\\)$");
    private static final Pattern MISSING = Pattern.compile("^\\s*(\\S+) => not found$");

    /** What {@code ldd} found for some binaries, and the names it could not find. */
    record Found(Set<Path> libraries, Set<String> missing) {
    }

    private HostLibraries() {
    }

    /**
     * The libraries {@code binaries} load, leaving out those under {@code inside} (a runtime's own libraries, copied
     * with it) and the names in {@code ignoredMissing} (e.g. {@code libjvm.so}, which the launcher loads before the
     * JDK's other libraries).
     */
    static Found of(List<Path> binaries, Path inside, Set<String> ignoredMissing) throws IOException {
        return of(binaries, inside, ignoredMissing, true);
    }

    /**
     * As {@link #of(List, Path, Set)}; {@code program} false for extension modules (Python's {@code lib-dynload}),
     * which may need no library at all: they use the symbols of the program that loads them.
     */
    static Found of(List<Path> binaries, Path inside, Set<String> ignoredMissing, boolean program) throws IOException {
        List<String> command = new ArrayList<>(List.of(ldd().toString()));
        binaries.forEach(b -> command.add(b.toString()));
        Tools.Result traced = Tools.run(command, null, java.util.Map.of());
        Set<Path> found = new TreeSet<>();
        Set<String> missing = new TreeSet<>();
        Path root = inside == null ? null : inside.toAbsolutePath().normalize();
        for (String line : traced.output().lines().toList()) {
            Matcher resolved = RESOLVED.matcher(line);
            Matcher direct = DIRECT.matcher(line);
            Matcher notFound = MISSING.matcher(line);
            Path lib = resolved.matches() ? Path.of(resolved.group(2)) : direct.matches() ? Path.of(direct.group(1)) : null;
            if (lib != null && (root == null || !lib.normalize().startsWith(root))) {
                found.add(lib.normalize());
            } else if (notFound.matches() && !ignoredMissing.contains(notFound.group(1))) {
                missing.add(notFound.group(1));
            }
        }
        if (program && found.stream().noneMatch(p -> p.getFileName().toString().startsWith("libc.so"))) {
            throw new IOException("ldd found no C library for " + binaries + ": " + traced.output().strip());
        }
        return new Found(found, missing);
    }

    private static Path ldd() throws IOException {
        for (String bin : List.of("/usr/bin/ldd", "/bin/ldd")) {
            if (Files.isExecutable(Path.of(bin))) {
                return Path.of(bin);
            }
        }
        throw new IOException("no ldd on this host (Debian's libc-bin): it finds the libraries a runtime loads");
    }
}
