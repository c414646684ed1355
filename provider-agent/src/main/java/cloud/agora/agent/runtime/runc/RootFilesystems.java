package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The runtimes this host offers, as root filesystems shared read-only by every container: {@code shell} is
 * Debian's static busybox with a link per applet; {@code jvm} is an image the agent builds from the host's JDK
 * ({@link JvmImage}: the same busybox plus a jlink'ed Java runtime at {@code /opt/java} and copies of exactly the
 * shared libraries it loads). No runtime mounts anything of the host.
 */
final class RootFilesystems {

    private static final Logger LOG = Logger.getLogger(RootFilesystems.class);

    static final String SHELL = "shell";
    static final String JVM = "jvm";
    static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String BASE_PASSWD = "root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/tmp:/bin/sh\n";
    private static final String BASE_GROUP = "root:x:0:\nnogroup:x:65534:\n";

    private final Path runtimesDir;
    private final JvmImage jvm;
    private volatile String refusalLogged;

    RootFilesystems(Path runtimesDir) {
        this(runtimesDir, Path.of(System.getProperty("java.home")));
    }

    /** Root filesystems under {@code runtimesDir}, the {@code jvm} one built from the JDK at {@code javaHome}. */
    RootFilesystems(Path runtimesDir, Path javaHome) {
        this.runtimesDir = runtimesDir;
        this.jvm = new JvmImage(runtimesDir.resolve(JVM), javaHome, BUSYBOX, JvmImage.Recipe.FUNCTIONS);
    }

    /**
     * The runtimes that can be offered here. {@code jvm} is offered while its image is built or can be built (a
     * JDK with {@code jlink}, and no failed build); why it is not is logged, once per reason.
     */
    List<String> available() {
        List<String> names = new ArrayList<>();
        if (Files.isExecutable(BUSYBOX)) {
            names.add(SHELL);
            Optional<String> refused = jvm.unavailable();
            if (refused.isEmpty()) {
                names.add(JVM);
            } else if (!refused.get().equals(refusalLogged)) {
                refusalLogged = refused.get();
                LOG.warnf("the jvm runtime is not offered: %s (the shell runtime is)", refused.get());
            }
        }
        return names;
    }

    /** Builds (or checks and reuses) the {@code jvm} runtime's image on a thread of its own, if it can be offered. */
    void prepareInBackground() {
        if (!Files.isExecutable(BUSYBOX) || jvm.unavailable().isPresent()) {
            available();
            return;
        }
        Thread builder = new Thread(() -> {
            try {
                jvm.rootfs();
            } catch (RuntimeFailureException e) {
                available();
            }
        }, "jvm-image");
        builder.setDaemon(true);
        builder.start();
    }

    /** Stops a build of the {@code jvm} image under way (the agent is stopping). */
    void close() {
        jvm.close();
    }

    /** The root filesystem of a runtime, built on first use. */
    Path rootfs(String runtime) {
        if (JVM.equals(runtime) && Files.isExecutable(BUSYBOX)) {
            return jvm.rootfs();
        }
        if (!SHELL.equals(runtime)) {
            throw new RuntimeFailureException("this host offers no runtime named " + runtime);
        }
        return shell();
    }

    private synchronized Path shell() {
        Path rootfs = runtimesDir.resolve(SHELL).resolve("rootfs");
        if (!Files.isExecutable(rootfs.resolve("bin/sh"))) {
            build(rootfs);
        }
        return rootfs;
    }

    /** The {@code PATH} of a runtime's calls. */
    List<String> path(String runtime) {
        return JVM.equals(runtime) ? List.of(JvmImage.JAVA_HOME + "/bin", "/bin") : List.of("/bin");
    }

    /**
     * Builds the shell runtime in a staging directory and renames it into place. Agents sharing a runtimes directory
     * may build at once: the one that renames second finds a complete root filesystem there and drops its own.
     */
    private void build(Path rootfs) {
        try {
            Files.createDirectories(runtimesDir);
            Path staging = Files.createTempDirectory(runtimesDir, "rootfs");
            populateShell(staging.resolve("rootfs"), BUSYBOX);
            Files.createDirectories(rootfs.getParent());
            try {
                Files.move(staging.resolve("rootfs"), rootfs, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException built) {
                if (!Files.isExecutable(rootfs.resolve("bin/sh"))) {
                    throw built;
                }
            }
            JvmImage.deleteTree(staging);
        } catch (IOException e) {
            throw new RuntimeFailureException("cannot build the shell runtime's root filesystem at " + rootfs, e);
        }
    }

    /**
     * Fills a new directory with the shell runtime: {@code busybox} and a link per applet in {@code /bin}, the
     * mount points of a container ({@code /proc}, {@code /dev}, {@code /tmp} (mode 1777), {@code /function},
     * {@code /sys}), and {@code /etc/passwd} and {@code /etc/group}, over which each container mounts its own.
     */
    static void populateShell(Path rootfs, Path busybox) throws IOException {
        Files.createDirectories(rootfs);
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(busybox, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : applets(busybox)) {
            if (!applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
        }
        for (String dir : List.of("proc", "dev", "tmp", "function", "etc", "sys")) {
            Files.createDirectories(rootfs.resolve(dir));
        }
        // mount points: each container gets its own, naming its lease's uid (passwd(uid), group(uid) below)
        Files.writeString(rootfs.resolve("etc/passwd"), BASE_PASSWD);
        Files.writeString(rootfs.resolve("etc/group"), BASE_GROUP);
        // the function runs as its lease's uid: the root must be traversable by everyone (temp dirs are 0700)
        Files.setPosixFilePermissions(rootfs, PosixFilePermissions.fromString("rwxr-xr-x"));
        // runc 1.1 gives a tmpfs the mode of the directory it covers: /tmp must be 1777 here
        Files.setAttribute(rootfs.resolve("tmp"), "unix:mode", 01777);
    }

    private static List<String> applets(Path busybox) throws IOException {
        Process process = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
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
