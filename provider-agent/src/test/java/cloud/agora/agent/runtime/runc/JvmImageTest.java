package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jvm} runtime's image ({@link JvmImage}) built with the host's real {@code jlink} and {@code ldd}: built
 * once and reused while its inputs are the same, rebuilt when they are not, never used half-built. The images here
 * link {@code java.base} only (seconds per build); the agent's recipe differs only in its modules and options.
 */
class JvmImageTest {

    static final JvmImage.Recipe SMALL = new JvmImage.Recipe(List.of("java.base"),
            List.of("--strip-debug", "--no-header-files", "--no-man-pages"), Set.of());

    @TempDir
    Path runtimes;
    final Path javaHome = Path.of(System.getProperty("java.home"));

    Path dir() {
        return runtimes.resolve("jvm");
    }

    JvmImage image(JvmImage.Recipe recipe) {
        return new JvmImage(dir(), javaHome, RootFilesystems.BUSYBOX, recipe);
    }

    /** The identity (device, inode) of the image's modules file: a rebuild makes a new one. */
    static Object identity(Path rootfs) throws IOException {
        return Files.readAttributes(rootfs.resolve("opt/java/lib/modules"), BasicFileAttributes.class).fileKey();
    }

    List<String> entries() throws IOException {
        try (Stream<Path> list = Files.list(dir())) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }

    List<Path> hostFiles() throws IOException {
        return Files.readAllLines(dir().resolve("image/host-files")).stream().map(Path::of).toList();
    }

    @Test
    void aRestartReusesTheImageWhoseStampMatchesAndTheImageHoldsOnlyItsOwnFiles() throws IOException {
        Path rootfs = image(SMALL).rootfs();
        assertThat(rootfs).isEqualTo(dir().resolve("image/rootfs"));
        String stamp = Files.readString(dir().resolve("image/stamp"));
        assertThat(stamp).startsWith("jdk " + System.getProperty("java.runtime.version") + "\ninputs ");
        Object built = identity(rootfs);

        Path again = image(SMALL).rootfs();
        assertThat(again).isEqualTo(rootfs);
        assertThat(identity(again)).as("reused, not rebuilt").isEqualTo(built);
        assertThat(Files.readString(dir().resolve("image/stamp"))).isEqualTo(stamp);
        assertThat(entries()).containsExactlyInAnyOrder("image", ".lock");

        List<Path> hostFiles = hostFiles();
        assertThat(hostFiles).as("the C library and the loader, copied from the host")
                .anyMatch(p -> p.getFileName().toString().startsWith("libc.so"))
                .anyMatch(p -> p.getFileName().toString().startsWith("ld-linux"))
                .allMatch(p -> p.toString().matches("/(usr/)?lib(64|32)?/.*") && p.getFileName().toString().contains(".so"));
        List<String> foreign = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(rootfs)) {
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
                String inside = "/" + rootfs.relativize(p);
                boolean own = inside.startsWith(JvmImage.JAVA_HOME + "/") || inside.equals("/bin/busybox")
                        || Set.of("/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts").contains(inside)
                        || hostFiles.contains(Path.of(inside));
                if (!own) {
                    foreign.add(inside);
                }
            });
        }
        assertThat(foreign).as("files that are neither the linked runtime, busybox, the image's /etc nor a listed library")
                .isEmpty();
    }

    @Test
    void aStampOfAnotherJdkRebuildsTheImage() throws IOException {
        Path rootfs = image(SMALL).rootfs();
        Object built = identity(rootfs);
        String stamp = Files.readString(dir().resolve("image/stamp"));
        Files.writeString(dir().resolve("image/stamp"), stamp.replaceFirst("jdk [^\n]*", "jdk 17.0.1+12"));

        Path rebuilt = image(SMALL).rootfs();
        assertThat(identity(rebuilt)).as("rebuilt").isNotEqualTo(built);
        assertThat(Files.readString(dir().resolve("image/stamp"))).isEqualTo(stamp);
        assertThat(entries()).as("the replaced image is gone").containsExactlyInAnyOrder("image", ".lock");
    }

    @Test
    void anotherRecipeRebuildsTheImage() throws IOException {
        Object built = identity(image(SMALL).rootfs());
        JvmImage.Recipe more = new JvmImage.Recipe(List.of("java.base", "java.logging"), SMALL.options(), Set.of());

        Path rebuilt = image(more).rootfs();
        assertThat(identity(rebuilt)).isNotEqualTo(built);
        assertThat(Files.readString(rebuilt.resolve("opt/java/release"))).contains("java.logging");
        assertThat(identity(image(more).rootfs())).as("and then reused").isEqualTo(identity(rebuilt));
    }

    @Test
    void aCopiedHostLibraryThatChangedRebuildsTheImage() throws IOException {
        Path rootfs = image(SMALL).rootfs();
        // one more listed host file, copied in and stamped as a build would: the image is reused while it is unchanged
        Path library = Files.writeString(runtimes.resolve("libfake.so.1"), "version 1");
        Path copy = rootfs.resolve(library.toString().substring(1));
        Files.createDirectories(copy.getParent());
        Files.copy(library, copy);
        List<Path> hostFiles = new ArrayList<>(hostFiles());
        hostFiles.add(library);
        Files.write(dir().resolve("image/host-files"), hostFiles.stream().map(Path::toString).toList());
        Files.writeString(dir().resolve("image/stamp"), image(SMALL).stamp(hostFiles));
        Object stamped = identity(rootfs);
        assertThat(identity(image(SMALL).rootfs())).as("reused").isEqualTo(stamped);

        Files.writeString(library, "version 2 (a security update on the host)");
        Path rebuilt = image(SMALL).rootfs();
        assertThat(identity(rebuilt)).as("rebuilt").isNotEqualTo(stamped);
        assertThat(hostFiles()).doesNotContain(library);
    }

    @Test
    void aCrashedBuildLeavesNothingHalfBuiltInUse() throws IOException {
        // what a build killed mid-way leaves: its staging directory, with a runtime that cannot run, and no image;
        // killed while replacing an image: the old one moved aside
        Path crashed = Files.createDirectories(dir().resolve(".build-4f2a/rootfs/opt/java/bin"));
        Files.writeString(crashed.resolve("java"), "half");
        Files.createDirectories(dir().resolve(".old-77c1/rootfs"));

        Path rootfs = image(SMALL).rootfs();
        assertThat(rootfs).isEqualTo(dir().resolve("image/rootfs"));
        assertThat(Files.size(rootfs.resolve("opt/java/bin/java"))).isGreaterThan(4);
        assertThat(entries()).as("leftovers removed").containsExactlyInAnyOrder("image", ".lock");

        // a build that fails mid-way (after the shell files, at jlink) leaves neither an image nor a partial directory
        JvmImage.deleteTree(dir().resolve("image"));
        JvmImage failing = image(new JvmImage.Recipe(List.of("java.base"), List.of("--no-such-jlink-option"), Set.of()));
        assertThatThrownBy(failing::rootfs).isInstanceOf(RuntimeFailureException.class).hasMessageContaining("jlink failed");
        assertThat(entries()).containsExactly(".lock");
        assertThat(failing.unavailable()).hasValueSatisfying(why -> assertThat(why).contains("cannot be built"));

        // an image without its stamp (written last, before the rename) is not used
        image(SMALL).rootfs();
        Object unstamped = identity(rootfs);
        Files.delete(dir().resolve("image/stamp"));
        assertThat(identity(image(SMALL).rootfs())).as("rebuilt").isNotEqualTo(unstamped);
        assertThat(dir().resolve("image/stamp")).exists();
    }

    @Test
    void aTruncatedFileOrAStrayMountPointFailsTheImagesCheckAndRebuildsIt() throws IOException {
        Path rootfs = image(SMALL).rootfs();
        Object built = identity(rootfs);
        // the stamp still matches (it covers the inputs, not the copy): java -version inside the image catches it
        Files.write(rootfs.resolve("opt/java/lib/server/libjvm.so"), new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(image(SMALL).stale(dir().resolve("image"))).hasValueSatisfying(why ->
                assertThat(why).contains("java -version inside it failed"));

        Path rebuilt = image(SMALL).rootfs();
        assertThat(identity(rebuilt)).isNotEqualTo(built);
        assertThat(Files.size(rebuilt.resolve("opt/java/lib/server/libjvm.so"))).isGreaterThan(1 << 20);
        assertThat(image(SMALL).stale(dir().resolve("image"))).isEmpty();

        // mount points runc made in the shared image for a spec that bind-mounted the host's /usr and /etc/alternatives
        Files.createDirectories(rebuilt.resolve("usr"));
        Files.createDirectories(rebuilt.resolve("etc/alternatives"));
        assertThat(image(SMALL).stale(dir().resolve("image"))).hasValueSatisfying(why ->
                assertThat(why).contains("it holds what it was not built with: [etc/alternatives, usr]"));
        Path clean = image(SMALL).rootfs();
        assertThat(clean.resolve("usr")).doesNotExist();
        assertThat(clean.resolve("etc/alternatives")).doesNotExist();
    }

    @Test
    void withoutJlinkTheJvmRuntimeIsRefusedAndTheShellRuntimeStillOffered() throws IOException {
        Path jre = Files.createDirectories(runtimes.resolve("jre/bin"));
        Files.copy(javaHome.resolve("bin/java"), jre.resolve("java"));
        RootFilesystems filesystems = new RootFilesystems(runtimes, jre.getParent());

        assertThat(filesystems.available()).containsExactly(RootFilesystems.SHELL);
        assertThatThrownBy(() -> filesystems.rootfs(RootFilesystems.JVM)).isInstanceOf(RuntimeFailureException.class)
                .hasMessageContaining("no jlink at " + jre.resolve("jlink"));
        assertThat(filesystems.rootfs(RootFilesystems.SHELL).resolve("bin/sh")).exists();
        assertThat(runtimes.resolve("jvm/image")).doesNotExist();
    }
}
