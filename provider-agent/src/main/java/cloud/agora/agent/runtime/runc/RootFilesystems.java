package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The runtimes this host offers, as root filesystems shared read-only by every container:
 * {@code shell} is Debian's static busybox with a link per applet; {@code jvm} is the same
 * with the host's JDK (and the libraries it links against) bind-mounted read-only.
 */
final class RootFilesystems {

    static final String SHELL = "shell";
    static final String JVM = "jvm";
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String BASE_PASSWD = "root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/tmp:/bin/sh\n";
    private static final String BASE_GROUP = "root:x:0:\nnogroup:x:65534:\n";

    private final Path runtimesDir;
    private final Path javaHome;

    RootFilesystems(Path runtimesDir) {
        this.runtimesDir = runtimesDir;
        this.javaHome = Path.of(System.getProperty("java.home"));
    }

    /** The runtimes that can be offered here. */
    List<String> available() {
        List<String> names = new ArrayList<>();
        if (Files.isExecutable(BUSYBOX)) {
            names.add(SHELL);
            if (Files.isExecutable(javaHome.resolve("bin/java"))) {
                names.add(JVM);
            }
        }
        return names;
    }

    /** The root filesystem of a runtime, built on first use. */
    synchronized Path rootfs(String runtime) {
        if (!SHELL.equals(runtime) && !JVM.equals(runtime)) {
            throw new RuntimeFailureException("this host offers no runtime named " + runtime);
        }
        Path rootfs = runtimesDir.resolve(SHELL).resolve("rootfs");
        if (!Files.isExecutable(rootfs.resolve("bin/sh"))) {
            build(rootfs);
        }
        return rootfs;
    }

    /** Host paths the runtime mounts read-only at the same place. */
    List<Path> binds(String runtime) {
        if (!JVM.equals(runtime)) {
            return List.of();
        }
        List<Path> binds = new ArrayList<>();
        for (Path p : List.of(Path.of("/usr"), Path.of("/lib"), Path.of("/lib64"), Path.of("/etc/alternatives"))) {
            if (Files.isDirectory(p) && !Files.isSymbolicLink(p)) {
                binds.add(p);
            }
        }
        try {
            Path realHome = javaHome.toRealPath();
            if (!realHome.startsWith("/usr")) {
                binds.add(realHome);
            }
            // Debian's JDK links its conf/ into /etc/java-<n>-openjdk
            try (var entries = Files.list(Path.of("/etc"))) {
                entries.filter(p -> p.getFileName().toString().startsWith("java-")).forEach(binds::add);
            }
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot resolve the JDK at " + javaHome, e);
        }
        return binds;
    }

    /** Environment a runtime adds to every call. */
    List<String> path(String runtime) {
        return JVM.equals(runtime) ? List.of(javaHome.resolve("bin").toString(), "/bin") : List.of("/bin");
    }

    private void build(Path rootfs) {
        try {
            Path staging = Files.createTempDirectory(runtimesDir.getParent() == null ? Path.of("/tmp") : ensure(runtimesDir), "rootfs");
            Path bin = Files.createDirectories(staging.resolve("bin"));
            Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : applets()) {
                if (!applet.equals("busybox")) {
                    Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
                }
            }
            for (String dir : List.of("proc", "dev", "tmp", "function", "etc", "sys", "usr")) {
                Files.createDirectories(staging.resolve(dir));
            }
            // mirror merged-/usr hosts (lib -> usr/lib) so the JVM runtime's loader finds its libraries
            for (String dir : List.of("lib", "lib64")) {
                Path host = Path.of("/" + dir);
                if (Files.isSymbolicLink(host)) {
                    Files.createSymbolicLink(staging.resolve(dir), Files.readSymbolicLink(host));
                } else {
                    Files.createDirectories(staging.resolve(dir));
                }
            }
            // mount points: each container gets its own, naming its lease's uid (passwd(uid), group(uid) below)
            Files.writeString(staging.resolve("etc/passwd"), BASE_PASSWD);
            Files.writeString(staging.resolve("etc/group"), BASE_GROUP);
            // the function runs as nobody: the root must be traversable by everyone (temp dirs are 0700)
            Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            // runc 1.1 gives a tmpfs the mode of the directory it covers: /tmp must be 1777 here
            Files.setAttribute(staging.resolve("tmp"), "unix:mode", 01777);
            Files.createDirectories(rootfs.getParent());
            Files.move(staging, rootfs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot build the shell runtime's root filesystem at " + rootfs, e);
        }
    }

    private Path ensure(Path dir) throws IOException {
        return Files.createDirectories(dir);
    }

    private static List<String> applets() throws IOException {
        Process process = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out.lines().filter(l -> l.matches("[a-z0-9_.\\[-]+") && !l.contains("/")).toList();
    }

    /** A container's {@code /etc/passwd}: the root filesystem's, with its lease's {@code uid} named {@code function}. */
    static String passwd(int uid) {
        return BASE_PASSWD + "function:x:" + uid + ":" + uid + "::/tmp:/bin/sh\n";
    }

    /** A container's {@code /etc/group}: the root filesystem's, with its lease's {@code uid} named {@code function}. */
    static String group(int uid) {
        return BASE_GROUP + "function:x:" + uid + ":\n";
    }
}
