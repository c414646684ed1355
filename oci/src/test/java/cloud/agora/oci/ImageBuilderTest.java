package cloud.agora.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageBuilderTest {

    static final OciLimits LIMITS = new OciLimits(64 << 20, 256 << 20, 10_000);

    @TempDir
    Path dir;

    private Path app() throws IOException {
        Path app = Files.createDirectories(dir.resolve("host/app"));
        Files.writeString(app.resolve("server.py"), "print('hi')\n");
        Files.createDirectories(app.resolve("lib/deep"));
        Files.writeString(app.resolve("lib/deep/data.txt"), "data");
        Path tool = Files.writeString(app.resolve("tool.sh"), "#!/bin/sh\n");
        Files.setAttribute(tool, "unix:mode", 0700);
        Path secret = Files.writeString(app.resolve("private.txt"), "only the owner could read this on the host");
        Files.setAttribute(secret, "unix:mode", 0600);
        Files.createSymbolicLink(app.resolve("current"), Path.of("lib/deep"));
        Files.setLastModifiedTime(app.resolve("server.py"), FileTime.fromMillis(1_600_000_000_000L));
        return app;
    }

    @Test
    void writesAnArchiveThatVerifiesWithItsConfigAndUnpacksToTheGivenTree() throws Exception {
        Path setuid = Files.writeString(dir.resolve("su"), "#!/bin/sh\n");
        Files.setAttribute(setuid, "unix:mode", 04755);
        ImageBuilder.Built built = new ImageBuilder()
                .layer(new ImageBuilder.Layer().copy(setuid, "usr/bin/su").symlink("bin", "usr/bin").directory("tmp"))
                .layer(new ImageBuilder.Layer().copy(app(), "app").file("etc/hosts", "127.0.0.1 localhost\n"))
                .entrypoint("/usr/bin/python3", "-u").cmd("/app/server.py").env("PATH", "/usr/bin:/bin")
                .env("LANG", "C.UTF-8").workingDir("/app").exposedPort(8080)
                .writeTo(dir.resolve("out/image.tar"));

        VerifiedImage image = OciImages.verify(built.archive(), LIMITS);

        assertThat(image.format()).isEqualTo(VerifiedImage.Format.OCI_LAYOUT);
        assertThat(image.manifestDigest()).isEqualTo(built.manifestDigest());
        assertThat(image.configDigest()).isEqualTo(built.configDigest());
        assertThat(image.layers()).hasSize(2).allSatisfy(l -> assertThat(l.compression()).isEqualTo(ImageLayer.Compression.GZIP));
        assertThat(image.layers()).extracting(ImageLayer::diffId).isEqualTo(built.diffIds());
        assertThat(image.config()).isEqualTo(new ImageConfig(List.of("/usr/bin/python3", "-u"), List.of("/app/server.py"),
                List.of("PATH=/usr/bin:/bin", "LANG=C.UTF-8"), "/app", null, List.of("8080/tcp")));
        assertThat(built.bytes()).isEqualTo(Files.size(built.archive()));
        try (var left = Files.list(dir.resolve("out"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("image.tar"); // no staged layers left
        }

        Path rootfs = dir.resolve("rootfs");
        OciImages.unpack(image, rootfs);
        assertThat(rootfs.resolve("app/server.py")).hasContent("print('hi')\n");
        assertThat(Files.getLastModifiedTime(rootfs.resolve("app/server.py")).toMillis()).isEqualTo(1_600_000_000_000L);
        assertThat(rootfs.resolve("app/lib/deep/data.txt")).hasContent("data");
        assertThat(Files.readSymbolicLink(rootfs.resolve("app/current"))).isEqualTo(Path.of("lib/deep"));
        assertThat(Files.readSymbolicLink(rootfs.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
        assertThat(mode(rootfs.resolve("app/tool.sh"))).isEqualTo(0755);
        assertThat(mode(rootfs.resolve("app/private.txt"))).isEqualTo(0644);
        assertThat(mode(rootfs.resolve("usr/bin/su"))).isEqualTo(0755); // the host's setuid bit is not carried
        assertThat(mode(rootfs.resolve("app/lib"))).isEqualTo(0755);
    }

    @Test
    void theSameInputsGiveTheSameDigests() throws Exception {
        Path app = app();
        ImageBuilder.Built first = new ImageBuilder().layer(new ImageBuilder.Layer().copy(app, "app")).entrypoint("/app/tool.sh")
                .writeTo(dir.resolve("one.tar"));
        ImageBuilder.Built second = new ImageBuilder().layer(new ImageBuilder.Layer().copy(app, "app")).entrypoint("/app/tool.sh")
                .writeTo(dir.resolve("two.tar"));
        assertThat(second.manifestDigest()).isEqualTo(first.manifestDigest());
        assertThat(Files.mismatch(first.archive(), second.archive())).isEqualTo(-1L);

        Files.writeString(app.resolve("lib/deep/data.txt"), "changed");
        ImageBuilder.Built third = new ImageBuilder().layer(new ImageBuilder.Layer().copy(app, "app")).entrypoint("/app/tool.sh")
                .writeTo(dir.resolve("three.tar"));
        assertThat(third.manifestDigest()).isNotEqualTo(first.manifestDigest());
    }

    @Test
    void refusesWhatAnImageMustNotHold() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path fifo = tree.resolve("pipe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)).isTrue();

        assertThatThrownBy(() -> new ImageBuilder.Layer().copy(tree, "app")).isInstanceOf(IOException.class)
                .hasMessageContaining("pipe");
        assertThatThrownBy(() -> new ImageBuilder.Layer().file("app/../etc/passwd", "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageBuilder.Layer().symlink("lib", "usr/lib").file("lib/libc.so.6", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> new ImageBuilder().workingDir("app")).isInstanceOf(IllegalArgumentException.class);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
