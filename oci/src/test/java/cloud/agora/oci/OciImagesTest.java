package cloud.agora.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciImagesTest {

    static final OciLimits LIMITS = new OciLimits(16 << 20, 64 << 20, 1000);

    @TempDir
    Path dir;

    /** A Debian-like base and an application layer that changes it: what a real two-layer image does. */
    static ImageArchive twoLayers(ImageArchive archive) {
        return archive
                .layer(new LayerTar().dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\necho tool\n".getBytes(), 0755)
                        .dir("lib").symlink("bin", "usr/bin").symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
                        .file("etc/os-release", "debian").file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
                        .dir("var/cache/apt").file("var/cache/apt/pkgcache.bin", "cache").file("var/cache/apt/keep", "k")
                        .dir("var/local", 02775).dir("tmp", 01777).file("usr/bin/old", "old"))
                .layer(new LayerTar().dir("app").file("app/main.py", "print('hi')\n").hardlink("app/again.py", "app/main.py")
                        .ownedFile("app/private.txt", "mine", 0600, 1000)
                        .whiteout("usr/bin", "old").opaque("var/cache/apt").file("var/cache/apt/fresh", "new"))
                .entrypoint("/usr/bin/python3", "-u").cmd("/app/main.py").env("PATH=/usr/bin:/bin", "LANG=C.UTF-8")
                .workingDir("/app").user("1000:1000").exposedPort("8080/tcp");
    }

    @Test
    void verifiesAndUnpacksAnOciArchiveReadingItsConfig() throws Exception {
        ImageArchive builder = twoLayers(ImageArchive.oci().gzip(true));
        Path archive = builder.writeTo(dir.resolve("image.tar"));

        VerifiedImage image = OciImages.verify(archive, LIMITS);

        assertThat(image.format()).isEqualTo(VerifiedImage.Format.OCI_LAYOUT);
        assertThat(image.manifestDigest()).isEqualTo(builder.manifestDigest());
        assertThat(image.configDigest()).isEqualTo(builder.configDigest());
        assertThat(image.layers()).hasSize(2).allSatisfy(l -> assertThat(l.compression()).isEqualTo(ImageLayer.Compression.GZIP));
        assertThat(image.config()).isEqualTo(new ImageConfig(java.util.List.of("/usr/bin/python3", "-u"),
                java.util.List.of("/app/main.py"), java.util.List.of("PATH=/usr/bin:/bin", "LANG=C.UTF-8"), "/app", "1000:1000",
                java.util.List.of("8080/tcp")));

        Path rootfs = dir.resolve("rootfs");
        OciImages.unpack(image, rootfs);

        assertThat(rootfs.resolve("app/main.py")).hasContent("print('hi')\n");
        assertThat(Files.isSameFile(rootfs.resolve("app/main.py"), rootfs.resolve("app/again.py"))).isTrue();
        assertThat(Files.readSymbolicLink(rootfs.resolve("etc/localtime"))).isEqualTo(Path.of("/usr/share/zoneinfo/UTC"));
        assertThat(Files.readSymbolicLink(rootfs.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
        assertThat(rootfs.resolve("usr/bin/old")).doesNotExist();
        assertThat(rootfs.resolve("usr/bin/tool")).exists();
        assertThat(list(rootfs.resolve("var/cache/apt"))).containsExactly("fresh");
        assertThat(mode(rootfs.resolve("usr/bin/tool"))).isEqualTo(0755);
        assertThat(mode(rootfs.resolve("var/local"))).isEqualTo(0775);
        assertThat(mode(rootfs.resolve("app/private.txt"))).as("a non-root owner's bits are everyone's").isEqualTo(0644);
        assertThat(mode(rootfs.resolve("tmp"))).isEqualTo(01777);
        assertThat(mode(rootfs)).isEqualTo(0755);
        for (String mountPoint : new String[] {"proc", "dev", "sys", "function"}) {
            assertThat(rootfs.resolve(mountPoint)).isEmptyDirectory();
            assertThat(mode(rootfs.resolve(mountPoint))).isEqualTo(0755);
        }
        assertThat(rootfs.resolve("etc/passwd")).hasContent("root:x:0:0::/root:/bin/sh\n");
        assertThat(rootfs.resolve("etc/group")).isEmptyFile();
        assertThat(Files.getOwner(rootfs.resolve("app/private.txt"))).isEqualTo(Files.getOwner(dir));
    }

    @Test
    void verifiesAndUnpacksADockerSaveArchiveAndAJibTarball() throws Exception {
        for (ImageArchive builder : new ImageArchive[] {twoLayers(ImageArchive.dockerSave()), twoLayers(ImageArchive.jib())}) {
            Path archive = builder.writeTo(Files.createTempFile(dir, "image", ".tar"));

            VerifiedImage image = OciImages.verify(archive, LIMITS);

            assertThat(image.format()).isEqualTo(VerifiedImage.Format.DOCKER_ARCHIVE);
            assertThat(image.configDigest()).isEqualTo(builder.configDigest());
            assertThat(image.manifestDigest()).isEqualTo(OciImages.canonicalManifestDigest(builder.configDigest(),
                    builder.configSize(), image.layers()));
            assertThat(image.config().entrypoint()).containsExactly("/usr/bin/python3", "-u");
            assertThat(image.config().exposedPorts()).containsExactly("8080/tcp");
            assertThat(OciImages.verify(archive, LIMITS).manifestDigest()).as("deterministic").isEqualTo(image.manifestDigest());

            Path rootfs = Files.createTempDirectory(dir, "rootfs").resolve("root");
            OciImages.unpack(image, rootfs);
            assertThat(rootfs.resolve("app/main.py")).hasContent("print('hi')\n");
            assertThat(rootfs.resolve("usr/bin/old")).doesNotExist();
            assertThat(list(rootfs.resolve("var/cache/apt"))).containsExactly("fresh");
        }
    }

    @Test
    void refusesATamperedLayer() {
        byte[] content = new byte[64 * 1024];
        Arrays.fill(content, (byte) 'a');
        for (ImageArchive builder : new ImageArchive[] {ImageArchive.oci(), ImageArchive.dockerSave()}) {
            builder.layer(new LayerTar().file("app/data", content, 0644)).tamperLayer(0);
            assertRefused(builder, "image-invalid", "layer 1");
        }
    }

    @Test
    void refusesAGzipLayerBlobChangedWhereItsUncompressedContentIsNot() {
        // byte 4 is the gzip header's mtime: the layer still unpacks to its diff_id, only the blob's digest tells
        ImageArchive builder = ImageArchive.oci().gzip(true).layer(new LayerTar().file("a", "a")).tamperLayerAt(0, 4);
        assertRefused(builder, "image-invalid", "not the sha256:");
    }

    @Test
    void refusesAWrongConfigDigest() {
        ImageArchive builder = ImageArchive.oci().layer(new LayerTar().file("a", "a"))
                .configDigest(ImageArchive.sha256("another config".getBytes(StandardCharsets.UTF_8)));
        assertRefused(builder, "image-invalid", "the config hashes to");
    }

    @Test
    void refusesDeviceNodesAndFifos() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().dir("dev").charDevice("dev/mem")), "image-invalid", "character device");
        assertRefused(ImageArchive.oci().layer(new LayerTar().blockDevice("sda")), "image-invalid", "block device");
        assertRefused(ImageArchive.oci().layer(new LayerTar().fifo("pipe")), "image-invalid", "FIFO");
    }

    @Test
    void refusesASetuidOrSetgidFile() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("usr/bin/su", "x".getBytes(), 04755)), "image-invalid",
                "'usr/bin/su' is setuid");
        assertRefused(ImageArchive.dockerSave().layer(new LayerTar().file("usr/bin/chage", "x".getBytes(), 02755)),
                "image-invalid", "is setgid");
    }

    @Test
    void refusesDotDotAndAbsolutePaths() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("../escape.txt", "x")), "image-invalid", "'..' component");
        assertRefused(ImageArchive.oci().layer(new LayerTar().dir("a").file("a/../../escape.txt", "x")), "image-invalid",
                "'..' component");
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("/etc/cron.d/x", "x")), "image-invalid", "absolute path");
    }

    @Test
    void refusesAWhiteoutEscapingTheRoot() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("a", "a")).layer(new LayerTar().whiteout("", "..")),
                "image-invalid", "whiteout of '..'");
        assertRefused(ImageArchive.oci().layer(new LayerTar().dir("etc").file("etc/x", "x")).layer(new LayerTar().whiteout("etc", ".")),
                "image-invalid", "whiteout of '.'");
    }

    @Test
    void refusesAnOversizedImage() {
        byte[] zeros = new byte[2 << 20];
        ImageArchive bomb = ImageArchive.oci().gzip(true).layer(new LayerTar().file("zeros", zeros, 0644));
        assertThat(bomb.bytes().length).isLessThan(64 * 1024);
        assertRefused(bomb, new OciLimits(1 << 20, 1 << 20, 100), "image-too-large", "unpack to more than 1048576 bytes");
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("big", new byte[200_000], 0644)),
                new OciLimits(100_000, 1 << 20, 100), "image-too-large", "the most accepted is 100000");
        LayerTar many = new LayerTar();
        for (int i = 0; i < 101; i++) {
            many.file("f" + i, "x");
        }
        assertRefused(ImageArchive.oci().layer(many), new OciLimits(1 << 20, 1 << 20, 100), "image-too-large", "more than 100 entries");
    }

    @Test
    void refusesAWriteThroughASymlink() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        assertRefused(ImageArchive.oci().layer(new LayerTar().symlink("etc", outside.toString()))
                .layer(new LayerTar().file("etc/cron.d/evil", "x")), "image-invalid", "lies under the symbolic link 'etc'");
        assertRefused(ImageArchive.oci().layer(new LayerTar().symlink("up", "../../../..").file("up/evil", "x")),
                "image-invalid", "lies under the symbolic link 'up'");
        assertRefused(ImageArchive.oci().layer(new LayerTar().symlink("d", outside.toString()))
                .layer(new LayerTar().whiteout("d", "victim")), "image-invalid", "lies under the symbolic link 'd'");
        assertThat(list(outside)).isEmpty();
    }

    @Test
    void refusesAHardLinkOutOfTheImage() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().hardlink("passwd", "/etc/passwd")), "image-invalid",
                "absolute path");
        assertRefused(ImageArchive.oci().layer(new LayerTar().hardlink("passwd", "../../../etc/passwd")), "image-invalid",
                "'..' component");
        assertRefused(ImageArchive.oci().layer(new LayerTar().hardlink("shadow", "etc/shadow")), "image-invalid",
                "not an earlier regular file");
        assertRefused(ImageArchive.oci().layer(new LayerTar().symlink("l", "/etc/shadow").hardlink("shadow", "l")),
                "image-invalid", "not an earlier regular file");
        assertRefused(ImageArchive.oci().layer(new LayerTar().hardlink("early", "late").file("late", "x")), "image-invalid",
                "not an earlier regular file");
    }

    @Test
    void refusesZstdLayersAndImagesForAnotherPlatform() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("a", "a")).layerMediaType(OciImages.OCI_LAYER + "+zstd"),
                "image-unsupported", "zstd");
        assertRefused(ImageArchive.oci().layer(new LayerTar().file("a", "a")).architecture("s390x"), "image-unsupported",
                "linux/s390x");
        assertRefused(ImageArchive.oci().gzip(true).layer(new LayerTar().file("a", "a")).layerMediaType(OciImages.OCI_LAYER),
                "image-invalid", "gzip-compressed but its media type says uncompressed");
    }

    @Test
    void refusesMountPointsOfTheWrongKind() {
        assertRefused(ImageArchive.oci().layer(new LayerTar().symlink("proc", "/host")), "image-invalid", "/proc in the image");
        assertRefused(ImageArchive.oci().layer(new LayerTar().symlink("etc/passwd", "/function/passwd")), "image-invalid",
                "/etc/passwd in the image");
    }

    @Test
    void unpackChecksTheArchiveAgainAndLeavesNothingWhenItChanged() throws Exception {
        byte[] content = new byte[64 * 1024];
        Arrays.fill(content, (byte) 'a');
        ImageArchive builder = ImageArchive.oci().layer(new LayerTar().file("app/data", content, 0644));
        Path archive = builder.writeTo(dir.resolve("image.tar"));
        VerifiedImage image = OciImages.verify(archive, LIMITS);
        builder.tamperLayer(0).writeTo(archive);
        Path rootfs = dir.resolve("rootfs");

        assertThatThrownBy(() -> OciImages.unpack(image, rootfs)).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("changed since it was verified");
        assertThat(rootfs).doesNotExist();
    }

    @Test
    void refusesAnArchiveThatIsNotAnImage() throws Exception {
        Path notTar = Files.write(dir.resolve("x.tar"), "hello".getBytes());
        assertThatThrownBy(() -> OciImages.verify(notTar, LIMITS)).isInstanceOf(ImageRejectedException.class)
                .extracting(e -> ((ImageRejectedException) e).slug()).isEqualTo("image-invalid");
        Path gz = Files.write(dir.resolve("x.tar.gz"), ImageArchive.gzip(ImageArchive.oci().layer(new LayerTar().file("a", "a")).bytes()));
        assertThatThrownBy(() -> OciImages.verify(gz, LIMITS)).isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("gzip-compressed");
    }

    private void assertRefused(ImageArchive builder, String slug, String detail) {
        assertRefused(builder, LIMITS, slug, detail);
    }

    /** Verify-then-unpack, as a caller does: refused with the problem, and nothing unpacked. */
    private void assertRefused(ImageArchive builder, OciLimits limits, String slug, String detail) {
        Path archive;
        Path rootfs;
        try {
            Path work = Files.createTempDirectory(dir, "case");
            archive = builder.writeTo(work.resolve("image.tar"));
            rootfs = work.resolve("rootfs");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThatThrownBy(() -> OciImages.unpack(OciImages.verify(archive, limits), rootfs))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> {
                    assertThat(e.slug()).isEqualTo(slug);
                    assertThat(e.getMessage()).contains(detail);
                });
        assertThat(rootfs).doesNotExist();
    }

    static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    static java.util.List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
