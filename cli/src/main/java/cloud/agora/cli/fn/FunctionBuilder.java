package cloud.agora.cli.fn;

import cloud.agora.oci.ImageBuilder;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * {@code fn build}: the function's artifact in {@code target/}. A shell function becomes the tar.gz bundle the shell
 * runtime mounts at {@code /function}; any other is built with its own tool (Maven for Java and Quarkus, npm for a
 * Node.js package with dependencies, nothing for Python) and packed as an OCI image archive, {@code target/image.tar}:
 * a base layer of its runtime from this machine ({@link RuntimeBases}) and a layer of the application at
 * {@code /app}, run from {@code /app} with {@code $PORT} served.
 */
final class FunctionBuilder {

    /** Debian's interpreter and standard library, not a pyenv or venv shim that happens to be first on the PATH. */
    static final Path PYTHON = Path.of("/usr/bin/python3.11");
    static final Path PYTHON_STDLIB = Path.of("/usr/lib/python3.11");
    static final Path NODE = Path.of("/usr/bin/node");

    /** Files of a function folder that are not the function: the CLI's own, the build's output, tool caches. */
    private static final Set<String> NOT_SHIPPED = Set.of(FunctionProject.SPEC, FunctionProject.SETTINGS,
            FunctionProject.TARGET, ".git", "__pycache__", ".venv", ".idea", ".vscode");

    private final boolean offline;

    /** @param offline run Maven with {@code -o} (only what the local repository holds) */
    FunctionBuilder(boolean offline) {
        this.offline = offline;
    }

    /** What a build wrote. */
    record Built(Path artifact, long bytes, String manifestDigest, long millis) {
    }

    Built build(FunctionProject project) throws IOException {
        long started = System.nanoTime();
        Path target = Files.createDirectories(project.dir().resolve(FunctionProject.TARGET));
        Path artifact = project.artifact();
        String digest = null;
        switch (project.language()) {
            case SHELL -> bundle(project.dir(), artifact);
            case JAVA -> digest = java(project, target).writeTo(artifact).manifestDigest();
            case QUARKUS -> digest = quarkus(project, target).writeTo(artifact).manifestDigest();
            case NODE -> digest = node(project).writeTo(artifact).manifestDigest();
            case PYTHON -> digest = python(project).writeTo(artifact).manifestDigest();
            default -> throw new IllegalStateException(project.language().id());
        }
        deleteTree(target.resolve("jdk")); // the linked runtime, now in the image
        return new Built(artifact, Files.size(artifact), digest, (System.nanoTime() - started) / 1_000_000);
    }

    private ImageBuilder java(FunctionProject project, Path target) throws IOException {
        maven(project.dir());
        Path jar = singleJar(target);
        ImageBuilder.Layer app = new ImageBuilder.Layer().copy(jar, "app/" + jar.getFileName());
        if (Files.isDirectory(target.resolve("lib"))) { // dependencies copied next to the jar (its Class-Path names them)
            app.copy(target.resolve("lib"), "app/lib");
        }
        return withJdk(RuntimeBases.JDK_HTTP_MODULES, target, app, "/app/" + jar.getFileName());
    }

    private ImageBuilder quarkus(FunctionProject project, Path target) throws IOException {
        maven(project.dir());
        Path quarkusApp = target.resolve("quarkus-app");
        if (!Files.isRegularFile(quarkusApp.resolve("quarkus-run.jar"))) {
            throw new IOException("the build left no " + quarkusApp.resolve("quarkus-run.jar")
                    + " (quarkus-maven-plugin's build goal with the default fast-jar packaging writes it)");
        }
        ImageBuilder.Layer app = new ImageBuilder.Layer().copy(quarkusApp, "app");
        return withJdk(RuntimeBases.JDK_QUARKUS_MODULES, target, app, "/app/quarkus-run.jar");
    }

    private ImageBuilder withJdk(List<String> modules, Path target, ImageBuilder.Layer app, String jar) throws IOException {
        Path work = target.resolve("jdk");
        deleteTree(work);
        Files.createDirectories(work);
        try {
            ImageBuilder.Layer base = RuntimeBases.jdk(RuntimeBases.hostJavaHome(), modules, work);
            // the layers are read when the archive is written: the linked runtime must outlive this method
            // the JDK's HttpServer writes headers and body apart: without TCP_NODELAY each answer waits ~40 ms for the
            // agent's delayed ACK (measured: 48 ms p50 per call, 3 ms with it)
            return image(base, app).entrypoint(RuntimeBases.JAVA_HOME + "/bin/java", "-XX:MaxRAMPercentage=75",
                    "-Djava.io.tmpdir=/tmp", "-Dsun.net.httpserver.nodelay=true", "-jar", jar)
                    .env("PATH", RuntimeBases.JAVA_HOME + "/bin").env("JAVA_HOME", RuntimeBases.JAVA_HOME);
        } catch (IOException | RuntimeException e) {
            deleteTree(work);
            throw e;
        }
    }

    private ImageBuilder node(FunctionProject project) throws IOException {
        requireHost(NODE, "Node.js (scripts/setup.d/30-node-tools.sh installs Debian's nodejs)");
        JsonNode pkg = Files.isRegularFile(project.dir().resolve("package.json"))
                ? JsonCodec.mapper().readTree(project.dir().resolve("package.json").toFile()) : JsonCodec.mapper().createObjectNode();
        if (pkg.path("dependencies").size() > 0) {
            Path npm = Tools.onPath("npm");
            if (npm == null) {
                throw new IOException("package.json has dependencies but there is no npm on the PATH");
            }
            Tools.require(List.of(npm.toString(), "install", "--omit=dev", "--no-audit", "--no-fund"), project.dir(), Map.of());
        }
        String main = pkg.path("main").asText("server.js");
        return image(RuntimeBases.node(NODE), application(project.dir()))
                .entrypoint("/usr/bin/node", "/app/" + main).env("PATH", "/usr/bin").env("NODE_ENV", "production");
    }

    private ImageBuilder python(FunctionProject project) throws IOException {
        requireHost(PYTHON, "Debian's Python (scripts/setup.d/60-function-runtimes.sh installs python3.11)");
        requireHost(PYTHON_STDLIB.resolve("http/server.py"), "Debian's Python standard library (libpython3.11-stdlib)");
        return image(RuntimeBases.python(PYTHON, PYTHON_STDLIB), application(project.dir()))
                .entrypoint(PYTHON.toString(), "/app/main.py").env("PATH", "/usr/bin")
                .env("PYTHONUNBUFFERED", "1").env("PYTHONDONTWRITEBYTECODE", "1");
    }

    private static ImageBuilder image(ImageBuilder.Layer base, ImageBuilder.Layer app) {
        return new ImageBuilder().layer(base).layer(app).workingDir("/app").exposedPort(8080);
    }

    /** The folder's own files at {@code /app}, less what is not the function. */
    private static ImageBuilder.Layer application(Path dir) throws IOException {
        ImageBuilder.Layer app = new ImageBuilder.Layer().directory("app");
        for (Path entry : shipped(dir)) {
            app.copy(entry, "app/" + entry.getFileName());
        }
        return app;
    }

    private static List<Path> shipped(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> !NOT_SHIPPED.contains(p.getFileName().toString())).sorted().toList();
        }
    }

    private void maven(Path dir) throws IOException {
        Path mvn = Tools.onPath("mvn");
        if (mvn == null) {
            throw new IOException("no mvn on the PATH (scripts/setup.d/10-java-maven.sh installs Debian's maven)");
        }
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-q", "package", "-DskipTests"));
        if (offline) {
            command.add(1, "-o");
        }
        Tools.require(command, dir, Map.of());
    }

    private static Path singleJar(Path target) throws IOException {
        List<Path> jars;
        try (Stream<Path> list = Files.list(target)) {
            jars = list.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().matches(".*-(sources|javadoc|tests)\\.jar|original-.*"))
                    .sorted().toList();
        }
        if (jars.size() != 1) {
            throw new IOException("expected one application jar in " + target + ", found " + jars);
        }
        return jars.get(0);
    }

    /**
     * The shell runtime's bundle: the folder's files in a tar.gz, byte for byte reproducible (names sorted, owner 0,
     * time 0, modes 0755/0644, gzip without a time), as {@code examples/vehicle-speed/pack.sh} packs, so the same
     * sources give the same CID. Links are refused (the functions service refuses links out of a bundle).
     */
    static void bundle(Path dir, Path out) throws IOException {
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(partial));
                GZIPOutputStream gzip = new GZIPOutputStream(file);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip, "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path top : shipped(dir)) {
                List<Path> walked;
                try (Stream<Path> walk = Files.walk(top)) {
                    walked = walk.sorted().toList();
                }
                for (Path p : walked) {
                    String name = dir.relativize(p).toString();
                    BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    TarArchiveEntry entry;
                    if (attrs.isDirectory()) {
                        entry = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
                        entry.setMode(0755);
                    } else if (attrs.isRegularFile()) {
                        entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                        entry.setMode(((Integer) Files.getAttribute(p, "unix:mode") & 0111) != 0 || name.endsWith(".sh") ? 0755 : 0644);
                        entry.setSize(attrs.size());
                    } else {
                        throw new IOException(p + ": a bundle holds only files and directories");
                    }
                    entry.setModTime(new Date(0));
                    entry.setUserId(0);
                    entry.setGroupId(0);
                    tar.putArchiveEntry(entry);
                    if (attrs.isRegularFile()) {
                        try (InputStream in = Files.newInputStream(p)) {
                            in.transferTo(tar);
                        }
                    }
                    tar.closeArchiveEntry();
                }
            }
        }
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireHost(Path path, String what) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("no " + path + ": the image's base needs " + what);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
