package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The {@code jvm} runtime's root filesystem, built by the agent from the host's JDK so that a function container
 * mounts nothing of the host: the shell runtime's busybox ({@link RootFilesystems#populateShell}), a Java runtime
 * at {@value #JAVA_HOME} linked by the host JDK's {@code jlink}, and copies (not mounts) of exactly the shared
 * libraries its launcher, {@code libjvm.so} and its own {@code .so} files load, with the dynamic loader, each at
 * the path where the host's loader found it ({@code ldd}). Nothing else of the host's {@code /usr}, {@code /lib*}
 * or {@code /etc} is in it.
 *
 * <p>Built once per JDK and per recipe, under its directory:
 * <pre>
 *   image/stamp        "jdk &lt;version&gt;" and "inputs &lt;sha-256 of everything the image is made from&gt;"
 *   image/host-files   the host files copied into it (libraries and loader), one absolute path a line
 *   image/rootfs/      the root filesystem containers use
 *   .build-&lt;n&gt;/        a build under way
 *   .old-&lt;n&gt;/          a replaced image being deleted
 * </pre>
 * A build fills {@code .build-<n>}, is checked there (the expected files exist, and {@code java -version} runs
 * inside it as {@code nobody}, chrooted, with its own {@code /proc}) and only then is renamed to {@code image} in one
 * step: {@code image} is complete or absent whenever a crash hits, and a crash's leftovers are deleted before the
 * next build. Before an existing image is used, its stamp must equal the one the current inputs give (the JDK's
 * files, busybox, the copied libraries' contents, the recipe and this builder's code; any change rebuilds it) and
 * the same check must pass (a lost or truncated file rebuilds it). One build at a time per directory, across
 * processes too (a lock file).
 */
final class JvmImage {

    /** Where the Java runtime lives inside the image. */
    static final String JAVA_HOME = "/opt/java";
    static final String IMAGE = "image";
    static final String STAMP = "stamp";
    static final String HOST_FILES = "host-files";

    private static final Logger LOG = Logger.getLogger(JvmImage.class);
    private static final Object BUILDS = new Object();
    private static final long TOOL_TIMEOUT_SECONDS = 600;
    private static final Pattern RESOLVED = Pattern.compile("^\\s*(\\S+) => (/\\S+) \\(0x[0-9a-f]+\\)$");
    private static final Pattern DIRECT = Pattern.compile("^\\s*(/\\S+) \\(0x[0-9a-f]+\\)$");
    private static final Pattern MISSING = Pattern.compile("^\\s*(\\S+) => not found$");

    /**
     * What goes into the image.
     *
     * @param modules  modules to link (those the JDK does not have are left out)
     * @param options  further {@code jlink} options
     * @param headless the JDK's own libraries whose host dependencies are not copied (they need a display, a sound
     *                 system or image codecs): they stay in the image and cannot load
     */
    record Recipe(List<String> modules, List<String> options, Set<String> headless) {

        /**
         * The service images' choice ({@code images/base-rootfs.sh}) less the modules that need a network, which a
         * function has not: all of Java SE (a function may use any of its API), {@code jdk.compiler} for the
         * single-file source launcher ({@code java Main.java}), {@code jdk.unsupported} ({@code sun.misc.Unsafe},
         * which common libraries use), the EC and PKCS#11 crypto providers, the zip file system,
         * {@code jdk.management} (the container-aware {@code OperatingSystemMXBean}), JFR and {@code jdk.httpserver}
         * (an HTTP-mode function may serve with the JDK's own server on its loopback); with a CDS archive
         * (a shorter JVM start) and uncompressed modules (the source launcher loads javac's classes from them; ~20%
         * faster than zip-compressed).
         */
        static final Recipe FUNCTIONS = new Recipe(
                List.of("java.se", "jdk.compiler", "jdk.unsupported", "jdk.crypto.ec", "jdk.crypto.cryptoki", "jdk.zipfs",
                        "jdk.management", "jdk.jfr", "jdk.httpserver"),
                List.of("--strip-debug", "--no-header-files", "--no-man-pages", "--generate-cds-archive"),
                Set.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so", "libjsound.so", "libfontmanager.so",
                        "liblcms.so", "libjavajpeg.so", "libmlib_image.so"));

        String describe() {
            return String.join(",", modules) + " | " + String.join(" ", options) + " | " + new TreeSet<>(headless);
        }
    }

    private final Path dir;
    private final Path javaHome;
    private final Path busybox;
    private final Recipe recipe;
    private final Path ldd = tool("ldd");
    private final Path unshare = tool("unshare");
    private final Path chroot = tool("chroot");
    private volatile Path ready;
    private volatile String failure;
    private volatile Process running;
    private volatile boolean closed;

    /**
     * @param dir      where the image lives ({@code <runtimes>/jvm})
     * @param javaHome the host JDK it is made from
     * @param busybox  the static busybox it carries (the warm executor's {@code sh}, the functions' tools)
     * @param recipe   the modules and options it is linked with
     */
    JvmImage(Path dir, Path javaHome, Path busybox, Recipe recipe) {
        this.dir = dir;
        this.javaHome = javaHome;
        this.busybox = busybox;
        this.recipe = recipe;
    }

    /** Why the image cannot be had on this host; empty when it is built or can be built. */
    Optional<String> unavailable() {
        Path jlink = javaHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            return Optional.of("no jlink at " + jlink + ": the agent runs on a Java runtime without the JDK's tools "
                    + "(install a JDK, e.g. Debian's openjdk-17-jdk-headless, and run the agent on it)");
        }
        if (!Files.isExecutable(busybox)) {
            return Optional.of("no busybox at " + busybox + " (scripts/setup.d/50-runc.sh installs busybox-static)");
        }
        if (ldd == null) {
            return Optional.of("no ldd on this host (Debian's libc-bin): it finds the libraries the JDK loads");
        }
        if (unshare == null || chroot == null) {
            return Optional.of("no unshare or chroot on this host (util-linux, coreutils): they check the image");
        }
        if (failure != null) {
            return Optional.of("its image cannot be built: " + failure);
        }
        return Optional.empty();
    }

    /**
     * The image's root filesystem: checked and reused, or built first (once per process). A failed build is not
     * retried in this process: {@link #unavailable()} names it from then on.
     */
    Path rootfs() {
        Path rootfs = ready;
        if (rootfs != null) {
            return rootfs;
        }
        synchronized (this) {
            if (ready != null) {
                return ready;
            }
            Optional<String> refused = unavailable();
            if (refused.isPresent()) {
                throw new RuntimeFailureException("the jvm runtime is not available: " + refused.get());
            }
            try {
                ready = prepare();
                return ready;
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    failure = e.getMessage() + " (image " + dir.resolve(IMAGE) + ", JDK " + javaHome + ")";
                }
                throw new RuntimeFailureException("the jvm runtime is not available: its image cannot be built: "
                        + e.getMessage(), e);
            }
        }
    }

    /** Stops a build or check under way (the agent is stopping); it leaves no image. */
    void close() {
        closed = true;
        Process process = running;
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private Path prepare() throws IOException {
        synchronized (BUILDS) {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                removeLeftovers();
                Path image = dir.resolve(IMAGE);
                long started = System.nanoTime();
                Optional<String> stale = stale(image);
                if (stale.isEmpty()) {
                    LOG.infof("jvm runtime image %s: stamp and check pass, reused (%d ms)", image,
                            (System.nanoTime() - started) / 1_000_000);
                    return image.resolve("rootfs");
                }
                LOG.infof("building the jvm runtime's image at %s from the JDK at %s (%s)", image, javaHome, stale.get());
                started = System.nanoTime();
                build(image);
                LOG.infof("built the jvm runtime's image at %s in %d ms, %d MiB", image,
                        (System.nanoTime() - started) / 1_000_000, size(image.resolve("rootfs")) >> 20);
                return image.resolve("rootfs");
            }
        }
    }

    /** Why the image at {@code image} cannot be used as it is; empty when its stamp matches and its check passes. */
    Optional<String> stale(Path image) throws IOException {
        if (!Files.isDirectory(image, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of("none built yet");
        }
        if (!Files.isRegularFile(image.resolve(STAMP)) || !Files.isRegularFile(image.resolve(HOST_FILES))) {
            return Optional.of("no stamp");
        }
        List<Path> hostFiles = Files.readAllLines(image.resolve(HOST_FILES)).stream().filter(l -> !l.isBlank())
                .map(Path::of).toList();
        String expected;
        try {
            expected = stamp(hostFiles);
        } catch (NoSuchFileException e) {
            return Optional.of("a host file it was made from is gone: " + e.getFile());
        }
        String found = Files.readString(image.resolve(STAMP));
        String foundJdk = found.lines().findFirst().orElse("");
        String expectedJdk = expected.lines().findFirst().orElse("");
        if (!foundJdk.equals(expectedJdk)) {
            return Optional.of("it was made from " + foundJdk + ", the JDK is now " + expectedJdk);
        }
        if (!found.equals(expected)) {
            return Optional.of("its inputs changed (the JDK's files, busybox, a copied library, the recipe or the builder)");
        }
        return check(image, hostFiles).map(why -> "its check fails: " + why);
    }

    private void build(Path image) throws IOException {
        Path staging = dir.resolve(".build-" + nonce());
        try {
            Path rootfs = staging.resolve("rootfs");
            RootFilesystems.populateShell(rootfs, busybox);
            Path java = rootfs.resolve(JAVA_HOME.substring(1));
            Files.createDirectories(java.getParent());
            List<String> jlink = new ArrayList<>(List.of(javaHome.resolve("bin/jlink").toString(), "--add-modules",
                    String.join(",", modules())));
            jlink.addAll(recipe.options());
            jlink.addAll(List.of("--output", java.toString()));
            Result linked = run(jlink);
            if (linked.exit() != 0) {
                throw new IOException("jlink failed (exit " + linked.exit() + "): " + linked.output().strip());
            }
            List<Path> hostFiles = sharedLibraries(java);
            for (Path hostFile : hostFiles) {
                Path copy = rootfs.resolve(hostFile.toString().substring(1));
                Files.createDirectories(copy.getParent());
                Files.copy(hostFile, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(rootfs.resolve("etc/nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files\n");
            Files.writeString(rootfs.resolve("etc/hosts"), "127.0.0.1 localhost function\n::1 localhost function\n");
            normaliseModes(rootfs);
            Files.write(staging.resolve(HOST_FILES), hostFiles.stream().map(Path::toString).toList());
            Optional<String> broken = check(staging, hostFiles);
            if (broken.isPresent()) {
                throw new IOException("the new image fails its check: " + broken.get());
            }
            Files.writeString(staging.resolve(STAMP), stamp(hostFiles));
            Files.setAttribute(staging, "unix:mode", 0755);
            Path old = null;
            if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
                old = dir.resolve(".old-" + nonce());
                Files.move(image, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, image, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                deleteTree(old);
            }
        } finally {
            deleteTree(staging);
        }
    }

    /** The recipe's modules this JDK has (its {@code release} file lists them). */
    private List<String> modules() throws IOException {
        String listed = release("MODULES");
        if (listed == null) {
            return recipe.modules();
        }
        Set<String> present = Set.of(listed.split(" "));
        List<String> modules = recipe.modules().stream().filter(present::contains).toList();
        if (modules.size() < recipe.modules().size()) {
            LOG.infof("the JDK at %s lacks modules of the jvm runtime's recipe, left out: %s", javaHome,
                    recipe.modules().stream().filter(m -> !present.contains(m)).toList());
        }
        return modules;
    }

    /**
     * The host files the linked runtime at {@code java} loads: what {@code ldd} (the host's loader, tracing) resolves
     * for the launcher, {@code libjvm.so} and the runtime's own libraries but the headless ones, outside the runtime
     * itself, and the loader. {@code libjvm.so} is "not found" for the runtime's libraries (the launcher has loaded it
     * before them); any other library not found fails the build.
     */
    private List<Path> sharedLibraries(Path java) throws IOException {
        Path home = java.toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(ldd.toString(), home.resolve("bin/java").toString(),
                home.resolve("lib/server/libjvm.so").toString()));
        try (Stream<Path> libs = Files.list(home.resolve("lib"))) {
            libs.filter(p -> p.getFileName().toString().endsWith(".so"))
                    .filter(p -> !recipe.headless().contains(p.getFileName().toString()))
                    .map(Path::toString).sorted().forEach(command::add);
        }
        Result traced = run(command);
        Set<Path> found = new TreeSet<>();
        Set<String> missing = new TreeSet<>();
        for (String line : traced.output().lines().toList()) {
            Matcher resolved = RESOLVED.matcher(line);
            Matcher direct = DIRECT.matcher(line);
            Matcher notFound = MISSING.matcher(line);
            Path lib = resolved.matches() ? Path.of(resolved.group(2)) : direct.matches() ? Path.of(direct.group(1)) : null;
            if (lib != null && !lib.normalize().startsWith(home)) {
                found.add(lib.normalize());
            } else if (notFound.matches() && !notFound.group(1).equals("libjvm.so")) {
                missing.add(notFound.group(1));
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("the JDK's libraries need " + missing + ", which this host's loader does not find");
        }
        if (found.stream().noneMatch(p -> p.getFileName().toString().startsWith("libc.so"))) {
            throw new IOException("ldd found no C library for the JDK: " + traced.output().strip());
        }
        return List.copyOf(found);
    }

    /**
     * Why the image under {@code image} is not usable; empty when its files are there, nothing else is at its top or
     * in its {@code /etc} (e.g. a mount point runc made there for another spec's bind mount), and {@code java -version}
     * runs in it: chrooted into its root filesystem as {@code nobody}, in a mount and pid namespace of its own with its
     * own {@code /proc} (the launcher finds its libraries through {@code /proc/self/exe}), with an empty environment.
     */
    private Optional<String> check(Path image, List<Path> hostFiles) throws IOException {
        Path rootfs = image.resolve("rootfs");
        List<String> required = new ArrayList<>(List.of("opt/java/bin/java", "opt/java/lib/server/libjvm.so",
                "opt/java/lib/modules", "bin/busybox", "bin/sh", "etc/passwd", "etc/group", "tmp", "proc", "dev", "sys",
                "function"));
        hostFiles.forEach(f -> required.add(f.toString().substring(1)));
        for (String file : required) {
            if (!Files.exists(rootfs.resolve(file))) {
                return Optional.of("/" + file + " is missing");
            }
        }
        Set<String> own = new TreeSet<>(Set.of("bin", "dev", "etc", "function", "opt", "proc", "sys", "tmp"));
        hostFiles.forEach(f -> own.add(f.getName(0).toString()));
        Set<String> foreign = new TreeSet<>(names(rootfs));
        foreign.removeAll(own);
        Set<String> foreignEtc = new TreeSet<>(names(rootfs.resolve("etc")));
        foreignEtc.removeAll(Set.of("passwd", "group", "nsswitch.conf", "hosts"));
        foreignEtc.forEach(name -> foreign.add("etc/" + name));
        if (!foreign.isEmpty()) {
            return Optional.of("it holds what it was not built with: " + foreign);
        }
        Result version = run(List.of(unshare.toString(), "--mount", "--pid", "--fork", "--mount-proc=" + rootfs.resolve("proc"),
                chroot.toString(), "--userspec=65534:65534", rootfs.toString(), JAVA_HOME + "/bin/java", "-Xshare:auto",
                "-version"));
        if (version.exit() != 0) {
            return Optional.of("java -version inside it failed (exit " + version.exit() + "): " + version.output().strip());
        }
        String runtimeVersion = release("JAVA_RUNTIME_VERSION");
        if (runtimeVersion != null && !version.output().contains(runtimeVersion)) {
            return Optional.of("java -version inside it is not " + runtimeVersion + ": " + version.output().strip());
        }
        return Optional.empty();
    }

    /**
     * The stamp the image made from these inputs carries: the JDK's version, and the SHA-256 of the recipe, this
     * builder's code, every entry of the JDK (path, type, size, modification time, link target), busybox's content
     * and each copied host file's content.
     */
    String stamp(List<Path> hostFiles) throws IOException {
        MessageDigest sha = sha256();
        field(sha, "recipe", recipe.describe().getBytes(StandardCharsets.UTF_8));
        field(sha, "builder", classBytes(JvmImage.class));
        field(sha, "shell", classBytes(RootFilesystems.class));
        Path home = javaHome.toRealPath();
        field(sha, "java.home", home.toString().getBytes(StandardCharsets.UTF_8));
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(home)) {
            entries = walk.sorted().toList();
        }
        for (Path entry : entries) {
            BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String description = attrs.isSymbolicLink() ? "-> " + Files.readSymbolicLink(entry)
                    : attrs.isRegularFile() ? attrs.size() + " " + attrs.lastModifiedTime().toMillis() : "dir";
            field(sha, home.relativize(entry).toString(), description.getBytes(StandardCharsets.UTF_8));
        }
        field(sha, "busybox", contentDigest(busybox));
        for (Path hostFile : hostFiles) {
            field(sha, hostFile.toString(), contentDigest(hostFile));
        }
        String version = release("JAVA_RUNTIME_VERSION");
        if (version == null) {
            version = release("JAVA_VERSION");
        }
        return "jdk " + (version == null ? "unknown" : version) + "\ninputs " + HexFormat.of().formatHex(sha.digest()) + "\n";
    }

    /** A value of the JDK's {@code release} file, unquoted; null when absent. */
    private String release(String key) throws IOException {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return null;
        }
        for (String line : Files.readAllLines(release)) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).replaceAll("^\"|\"$", "");
            }
        }
        return null;
    }

    private void removeLeftovers() {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".build-") || name.startsWith(".old-")) {
                    LOG.infof("removing %s, left by an interrupted build of the jvm runtime's image", entry);
                    deleteTree(entry);
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list %s: %s", dir, e.getMessage());
        }
    }

    private record Result(int exit, String output) {
    }

    /** Runs a host tool, its output (both streams) collected in a file; stopped by {@link #close()} or after 10 min. */
    private Result run(List<String> command) throws IOException {
        if (closed) {
            throw new IOException("the agent is stopping");
        }
        Path out = Files.createTempFile(dir, ".build-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().clear();
            builder.environment().put("PATH", JAVA_HOME + "/bin:/bin:/usr/bin:/usr/sbin:/sbin");
            Process process = builder.start();
            running = process;
            try {
                if (!process.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new IOException(command.get(0) + " did not finish within " + TOOL_TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IOException("interrupted while running " + command.get(0), e);
            } finally {
                running = null;
            }
            if (closed) {
                throw new IOException("the agent is stopping");
            }
            return new Result(process.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Directories 0755 ({@code /tmp} 1777), files 0755 if anyone could run them, else 0644; links as they are. */
    private static void normaliseModes(Path rootfs) throws IOException {
        try (Stream<Path> walk = Files.walk(rootfs)) {
            for (Path p : walk.toList()) {
                BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isDirectory()) {
                    Files.setAttribute(p, "unix:mode", p.equals(rootfs.resolve("tmp")) ? 01777 : 0755);
                } else if (attrs.isRegularFile()) {
                    int mode = (Integer) Files.getAttribute(p, "unix:mode");
                    Files.setAttribute(p, "unix:mode", (mode & 0111) != 0 ? 0755 : 0644);
                }
            }
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static long size(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            long total = 0;
            for (Path p : walk.toList()) {
                BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                total += attrs.isRegularFile() ? attrs.size() : 0;
            }
            return total;
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", root, e.getMessage());
        }
    }

    private static Path tool(String name) {
        for (String bin : List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin")) {
            Path candidate = Path.of(bin, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static String nonce() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void field(MessageDigest sha, String name, byte[] value) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(key.length).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) ':');
        sha.update(key);
        sha.update(Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) ':');
        sha.update(value);
    }

    private static byte[] contentDigest(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return sha.digest();
    }

    private static byte[] classBytes(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return in == null ? new byte[0] : in.readAllBytes();
        }
    }
}
