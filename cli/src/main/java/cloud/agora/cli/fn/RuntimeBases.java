package cloud.agora.cli.fn;

import cloud.agora.oci.ImageBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The base layers of function images, built from this machine as the agent builds its JVM runtime (provider-agent's
 * {@code JvmImage}): a language runtime and copies of exactly the shared libraries {@code ldd} says it loads, with the
 * dynamic loader, at the paths where the host's loader found them; {@code /etc/hosts} and {@code /etc/nsswitch.conf}
 * (files only) so that {@code localhost} resolves; an empty {@code /tmp}. Nothing else of the host: no shell, no
 * package manager, no {@code /etc/passwd} (the agent mounts each lease's own).
 */
final class RuntimeBases {

    /** Where a linked Java runtime lives in an image. */
    static final String JAVA_HOME = "/opt/java";

    /** The modules of the plain-JDK template's runtime: its HTTP server and what that needs. */
    static final List<String> JDK_HTTP_MODULES = List.of("java.base", "java.logging", "jdk.httpserver");

    /**
     * A Quarkus REST application's runtime: what {@code jdeps --print-module-deps} finds in a Quarkus 3.30 REST
     * application's jars (quarkus-core: {@code java.desktop} for {@code java.beans}, {@code java.management}; Vert.x:
     * {@code java.naming}, {@code java.compiler}; Netty: {@code jdk.unsupported}), with the EC crypto provider and the
     * zip file system. Not all of Java SE as the service images have: the template's image is 48.7 MB with these, 57.0 MB
     * with Java SE (every provider downloads and unpacks it); an application that needs more modules says so with a
     * {@code NoClassDefFoundError} at its first call.
     */
    static final List<String> JDK_QUARKUS_MODULES = List.of("java.base", "java.logging", "java.naming", "java.management",
            "java.desktop", "java.compiler", "jdk.unsupported", "jdk.crypto.ec", "jdk.zipfs");

    /** The JDK's libraries that need a display, sound or image codecs: kept, their host dependencies not copied. */
    private static final Set<String> HEADLESS = Set.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so", "libjsound.so",
            "libfontmanager.so", "liblcms.so", "libjavajpeg.so", "libmlib_image.so");

    private RuntimeBases() {
    }

    /** Node.js: the host's {@code node} binary at {@code /usr/bin/node} and the libraries it loads. */
    static ImageBuilder.Layer node(Path node) throws IOException {
        ImageBuilder.Layer layer = system();
        layer.copy(node, "usr/bin/node");
        libraries(layer, HostLibraries.of(List.of(node), null, Set.of()), "node");
        return layer;
    }

    /**
     * Python: Debian's interpreter ({@code python}, e.g. {@code /usr/bin/python3.11}) at its own path, its standard
     * library ({@code stdlib}, e.g. {@code /usr/lib/python3.11}) less what only builds or tests Python (the static
     * library under {@code config-*}, {@code test}, {@code idlelib}, {@code tkinter}, {@code ensurepip},
     * {@code lib2to3}) and Debian's {@code sitecustomize.py} link into {@code /etc}; and the libraries the interpreter
     * and the standard library's extension modules load. An extension module whose library this host lacks is left
     * out (importing it fails, as it would on the host).
     */
    static ImageBuilder.Layer python(Path python, Path stdlib) throws IOException {
        ImageBuilder.Layer layer = system();
        layer.copy(python, python.toString());
        Set<String> skipped = Set.of("test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "sitecustomize.py",
                "__phello__", "EXTERNALLY-MANAGED");
        try (Stream<Path> top = Files.list(stdlib)) {
            for (Path entry : top.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (!skipped.contains(name) && !name.startsWith("config-") && !name.equals("lib-dynload")) {
                    layer.copy(entry, stdlib.resolve(name).toString());
                }
            }
        }
        List<Path> binaries = new ArrayList<>(List.of(python));
        Path dynload = stdlib.resolve("lib-dynload");
        List<Path> modules;
        try (Stream<Path> list = Files.list(dynload)) {
            modules = list.filter(p -> p.getFileName().toString().endsWith(".so"))
                    .filter(p -> !p.getFileName().toString().startsWith("_test") && !p.getFileName().toString().startsWith("xx"))
                    .sorted().toList();
        }
        for (Path module : modules) { // one ldd per module: a module with a missing library is left out alone
            HostLibraries.Found found = HostLibraries.of(List.of(module), null, Set.of(), false);
            if (found.missing().isEmpty()) {
                layer.copy(module, module.toString());
                libraries(layer, found, module.toString());
            } else {
                System.err.println("python base: " + module.getFileName() + " left out (this host lacks " + found.missing() + ")");
            }
        }
        libraries(layer, HostLibraries.of(binaries, null, Set.of()), python.toString());
        return layer;
    }

    /**
     * A Java runtime linked by the host JDK's {@code jlink} with {@code modules} into {@code work} (a new directory),
     * at {@value #JAVA_HOME} in the layer, with a CDS archive (a shorter start) and its modules uncompressed (gzip of the
     * layer does better on them: 25.9 MB instead of 32.0 MB for the Quarkus modules without CDS; and classes load
     * faster), and the libraries its launcher, {@code libjvm.so} and its own {@code .so} files load.
     */
    static ImageBuilder.Layer jdk(Path javaHome, List<String> modules, Path work) throws IOException {
        Path jlink = javaHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IOException("no jlink at " + jlink + ": build with a JDK (e.g. Debian's openjdk-17-jdk-headless)");
        }
        Path java = work.resolve("java");
        Tools.require(List.of(jlink.toString(), "--add-modules", String.join(",", modules), "--strip-debug",
                "--no-header-files", "--no-man-pages", "--generate-cds-archive", "--output", java.toString()),
                null, Map.of());
        List<Path> binaries = new ArrayList<>(List.of(java.resolve("bin/java"), java.resolve("lib/server/libjvm.so")));
        try (Stream<Path> libs = Files.list(java.resolve("lib"))) {
            libs.filter(p -> p.getFileName().toString().endsWith(".so"))
                    .filter(p -> !HEADLESS.contains(p.getFileName().toString())).sorted().forEach(binaries::add);
        }
        HostLibraries.Found found = HostLibraries.of(binaries, java, Set.of("libjvm.so"));
        ImageBuilder.Layer layer = system();
        layer.copy(java, JAVA_HOME.substring(1));
        libraries(layer, found, "the Java runtime");
        return layer;
    }

    /** The host JDK this CLI runs on, or the one {@code jlink} on the PATH belongs to. */
    static Path hostJavaHome() throws IOException {
        Path home = Path.of(System.getProperty("java.home"));
        if (Files.isExecutable(home.resolve("bin/jlink"))) {
            return home;
        }
        Path jlink = Tools.onPath("jlink");
        if (jlink == null) {
            throw new IOException("no jlink: install a JDK (scripts/setup.d/10-java-maven.sh installs Debian's)");
        }
        return jlink.toRealPath().getParent().getParent();
    }

    private static ImageBuilder.Layer system() {
        return new ImageBuilder.Layer().directory("tmp")
                .file("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n")
                .file("etc/hosts", "127.0.0.1 localhost function\n::1 localhost function\n");
    }

    private static void libraries(ImageBuilder.Layer layer, HostLibraries.Found found, String what) throws IOException {
        if (!found.missing().isEmpty()) {
            throw new IOException(what + " needs " + found.missing() + ", which this host's loader does not find");
        }
        for (Path lib : found.libraries()) {
            layer.copy(lib, lib.toString());
        }
    }
}
