package cloud.agora.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Verify and unpack time of a realistic image: a Debian root filesystem of python3 built from the host's own
 * packages ({@code dpkg -L}): a base layer (the C library and the libraries python links) and a python layer, gzip
 * layers as a registry serves them. Not part of the default run (the name does not end in Test):
 * {@code mvn -o -q -pl oci verify -Dtest=UnpackBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.n=5}, then
 * read {@code oci/target/unpack-benchmark.txt}.
 */
class UnpackBenchmark {

    static final List<String> BASE = List.of("libc6", "zlib1g", "libexpat1", "libssl3", "libffi8", "libbz2-1.0", "liblzma5",
            "libsqlite3-0", "libncursesw6", "libtinfo6", "libreadline8", "libuuid1", "libdb5.3", "libgdbm6", "libmpdec3",
            "libcrypt1", "libnsl2", "libtirpc3", "media-types", "readline-common");
    static final List<String> PYTHON = List.of("python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib",
            "python3.11", "python3-minimal", "python3", "libpython3-stdlib");

    @Test
    void verifyAndUnpackAPython3Image() throws Exception {
        int n = Integer.getInteger("bench.n", 5);
        Path work = Path.of("target/unpack-benchmark");
        RootfsWriter.delete(work);
        Files.createDirectories(work);
        Path archive = ImageArchive.oci().gzip(true).layer(layerOf(BASE)).layer(layerOf(PYTHON))
                .entrypoint("/usr/bin/python3").writeTo(work.resolve("python3.tar"));
        OciLimits limits = new OciLimits(1L << 30, 4L << 30, 200_000);

        List<Long> verify = new ArrayList<>();
        List<Long> unpack = new ArrayList<>();
        List<Long> fsync = new ArrayList<>();
        VerifiedImage image = null;
        for (int i = 0; i < n + 1; i++) {
            long t0 = System.nanoTime();
            image = OciImages.verify(archive, limits);
            long t1 = System.nanoTime();
            Path rootfs = work.resolve("rootfs-" + i);
            OciImages.unpack(image, rootfs);
            long t2 = System.nanoTime();
            syncTree(rootfs);
            long t3 = System.nanoTime();
            if (i > 0) { // the first round warms the JIT
                verify.add(t1 - t0);
                unpack.add(t2 - t1);
                fsync.add(t3 - t2);
            }
            assertThat(new ProcessBuilder(rootfs.resolve("usr/bin/python3.11").toString(), "-c", "print(1)")
                    .redirectErrorStream(true).start().waitFor()).isZero();
            RootfsWriter.delete(rootfs);
        }
        String report = String.format("image: %d bytes archive (gzip layers), %d layers, %d entries, %d bytes unpacked (tar streams)%n"
                + "n = %d after 1 warm-up round%n"
                + "verify (hash blobs + diff_ids, entry rules): median %d ms, min %d ms%n"
                + "unpack (hash blobs again, write files):       median %d ms, min %d ms%n"
                + "fsync of every file and directory after it:    median %d ms, min %d ms%n",
                Files.size(archive), image.layers().size(), image.entries(), image.unpackedBytes(), n,
                median(verify), min(verify), median(unpack), min(unpack), median(fsync), min(fsync));
        Files.writeString(Path.of("target/unpack-benchmark.txt"), report);
        RootfsWriter.delete(work);
    }

    /** The files of {@code packages} as dpkg installed them on this host (set-id bits cleared, as images must). */
    static LayerTar layerOf(List<String> packages) throws IOException, InterruptedException {
        Set<String> paths = new TreeSet<>();
        for (String pkg : packages) {
            Process p = new ProcessBuilder("dpkg", "-L", pkg).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                out.lines().filter(l -> l.startsWith("/") && !l.equals("/.")).forEach(paths::add);
            }
        }
        // dpkg names files by the paths it unpacked them to (/lib/…); on a merged-/usr host /lib is a link to
        // usr/lib, and an image layer never lists entries under a link: name each by its parent's real path
        Set<String> names = new TreeSet<>();
        for (String path : paths) {
            Path p = Path.of(path);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                names.add(p.getParent().toRealPath().resolve(p.getFileName()).toString());
            }
        }
        LayerTar layer = new LayerTar();
        for (String path : names) {
            Path p = Path.of(path);
            String name = path.substring(1);
            if (Files.isSymbolicLink(p)) {
                layer.symlink(name, Files.readSymbolicLink(p).toString());
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                layer.dir(name, mode(p));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                layer.file(name, Files.readAllBytes(p), mode(p));
            }
        }
        return layer;
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
    }

    static void syncTree(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> paths = Files.walk(dir)) {
            all = paths.filter(p -> !Files.isSymbolicLink(p)).toList();
        }
        for (Path p : all) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                c.force(true);
            }
        }
    }

    private static long median(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2) / 1_000_000;
    }

    private static long min(List<Long> nanos) {
        return nanos.stream().mapToLong(Long::longValue).min().orElse(0) / 1_000_000;
    }
}
