package cloud.agora.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.bundle.BundleServer;
import cloud.agora.agent.bundle.CidFetcher;
import cloud.agora.agent.invocation.InvocationRejectedException;
import cloud.agora.oci.ImageArchive;
import cloud.agora.oci.LayerTar;
import cloud.agora.oci.OciLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {

    static final UUID LEASE = UUID.randomUUID();
    static final OciLimits LIMITS = new OciLimits(4 << 20, 8 << 20, 100);

    @TempDir
    Path data;
    BundleServer storage;
    ImageStore store;

    @BeforeEach
    void start() {
        storage = new BundleServer();
        store = newStore(LIMITS);
    }

    @AfterEach
    void stop() {
        storage.close();
    }

    private ImageStore newStore(OciLimits limits) {
        return new ImageStore(data.resolve("images"), new CidFetcher(storage.url(), Duration.ofSeconds(10)), limits);
    }

    static ImageArchive python() {
        return ImageArchive.oci().gzip(true)
                .layer(new LayerTar().dir("usr/bin").file("usr/bin/python3", "#!/bin/sh\n".getBytes(), 0755).file("etc/passwd", "root:x:0:0::/:/bin/sh\n"))
                .layer(new LayerTar().dir("app").file("app/main.py", "print('hi')\n"))
                .entrypoint("/usr/bin/python3").cmd("/app/main.py").env("PYTHONUNBUFFERED=1").workingDir("/app")
                .exposedPort("8080/tcp");
    }

    @Test
    void fetchesVerifiesAndUnpacksAnImageByItsCidOnceAcrossRestarts() throws Exception {
        ImageArchive archive = python();
        String cid = storage.publish(archive.bytes(), 1);

        PreparedImage image = store.image(cid, LEASE);

        String dirName = archive.manifestDigest().replace(':', '-');
        assertThat(image.manifestDigest()).isEqualTo(archive.manifestDigest());
        assertThat(image.rootfs()).isEqualTo(data.resolve("images").resolve(dirName).resolve("rootfs"));
        assertThat(image.rootfs().resolve("app/main.py")).hasContent("print('hi')\n");
        assertThat(image.rootfs().resolve("proc")).isEmptyDirectory();
        assertThat(image.rootfs().resolve("etc/group")).isEmptyFile();
        assertThat(image.config().entrypoint()).containsExactly("/usr/bin/python3");
        assertThat(image.config().cmd()).containsExactly("/app/main.py");
        assertThat(image.config().env()).containsExactly("PYTHONUNBUFFERED=1");
        assertThat(image.config().workingDir()).isEqualTo("/app");
        assertThat(image.config().exposedPorts()).containsExactly("8080/tcp");
        assertThat(data.resolve("images").resolve(dirName).resolve("image.json")).isRegularFile();
        assertThat(store.image(cid, LEASE)).isEqualTo(image);

        ImageStore restarted = newStore(LIMITS);
        assertThat(restarted.image(cid, LEASE)).isEqualTo(image);
        assertThat(storage.requests(cid)).isEqualTo(1);
        assertThat(restarted.fetches()).isZero();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void twoArchivesOfOneImageAreUnpackedOnce() {
        byte[] bytes = python().bytes();
        String v0 = storage.publish(bytes, 0);
        String v1 = storage.publish(bytes, 1);

        PreparedImage first = store.image(v0, LEASE);
        PreparedImage second = store.image(v1, LEASE);

        assertThat(second.rootfs()).isEqualTo(first.rootfs());
        assertThat(store.fetches()).isEqualTo(2);
        assertThat(store.unpacks()).isEqualTo(1);
    }

    @Test
    void concurrentFirstCallsShareOneDownloadAndOneUnpack() throws Exception {
        String cid = storage.publish(python().bytes(), 1);
        storage.delay(300);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<PreparedImage>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(pool.submit(() -> store.image(cid, LEASE)));
        }
        for (Future<PreparedImage> call : calls) {
            assertThat(call.get().rootfs().resolve("app/main.py")).hasContent("print('hi')\n");
        }
        pool.shutdown();
        assertThat(storage.requests(cid)).isEqualTo(1);
        assertThat(store.fetches()).isEqualTo(1);
        assertThat(store.unpacks()).isEqualTo(1);
    }

    @Test
    void refusesAnUnsafeImageWith422AndKeepsNothing() {
        String setuid = storage.publish(ImageArchive.oci().layer(new LayerTar().file("usr/bin/su", "x".getBytes(), 04755)).bytes(), 1);
        assertProblem(() -> store.image(setuid, LEASE), 422, "image-invalid", "setuid");
        String device = storage.publish(ImageArchive.dockerSave().layer(new LayerTar().charDevice("dev/mem")).bytes(), 1);
        assertProblem(() -> store.image(device, LEASE), 422, "image-invalid", "character device");
        String zstd = storage.publish(ImageArchive.oci().layer(new LayerTar().file("a", "a"))
                .layerMediaType("application/vnd.oci.image.layer.v1.tar+zstd").bytes(), 1);
        assertProblem(() -> store.image(zstd, LEASE), 422, "image-unsupported", "zstd");
        String notAnImage = storage.publish("not an image".getBytes(), 1);
        assertProblem(() -> store.image(notAnImage, LEASE), 422, "image-invalid", "neither an OCI image layout");
        assertThat(images()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void refusesImagesOverTheLimits() {
        byte[] random = new byte[5 << 20];
        new java.util.Random(1).nextBytes(random);
        String tooBig = storage.publish(ImageArchive.oci().layer(new LayerTar().file("r.bin", random, 0644)).bytes(), 1);
        assertProblem(() -> store.image(tooBig, LEASE), 422, "image-too-large", "at most 4194304");
        String bomb = storage.publish(ImageArchive.oci().gzip(true).layer(new LayerTar().file("zeros", new byte[9 << 20], 0644)).bytes(), 1);
        assertProblem(() -> store.image(bomb, LEASE), 422, "image-too-large", "more than 8388608 bytes");
        assertThat(images()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void refusesBytesThatDoNotHashToTheCidAndUnknownCids() {
        byte[] genuine = python().bytes();
        String cid = BundleServer.cidOf(genuine, 1);
        storage.serve(cid, python().env("EVIL=1").bytes());
        assertProblem(() -> store.image(cid, LEASE), 502, "image-corrupt", "hash to");
        assertProblem(() -> store.image(BundleServer.cidOf("never".getBytes(), 1), LEASE), 422, "image-not-available", "HTTP 404");
        assertProblem(() -> store.image("../../etc", LEASE), 422, "image-not-available", "CID");
        assertThat(images()).isEmpty();
        assertThat(leftovers()).isEmpty();

        storage.serve(cid, genuine);
        assertThat(store.image(cid, LEASE).config().env()).containsExactly("PYTHONUNBUFFERED=1");
    }

    @Test
    void startupRemovesHalfWrittenImages() throws Exception {
        Path partial = Files.createDirectories(data.resolve("images/.partial-" + UUID.randomUUID()).resolve("rootfs/usr"));
        Path archive = Files.createFile(data.resolve("images/.partial-" + UUID.randomUUID() + ".tar"));
        newStore(LIMITS);
        assertThat(partial.getParent().getParent()).doesNotExist();
        assertThat(archive).doesNotExist();
    }

    private List<String> images() {
        return list(data.resolve("images")).stream().filter(n -> !n.equals("cids")).toList();
    }

    private List<String> leftovers() {
        List<String> all = new ArrayList<>(list(data.resolve("images")));
        all.addAll(list(data.resolve("images/cids")));
        return all.stream().filter(n -> n.startsWith(".")).toList();
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertProblem(ThrowableAssert.ThrowingCallable call, int status, String slug, String detail) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvocationRejectedException.class, e -> {
            assertThat(e.slug()).as(e.getMessage()).isEqualTo(slug);
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
            assertThat(e.getMessage()).contains(detail);
        });
    }
}
