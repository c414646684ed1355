package cloud.agora.storage.domain.ipld;

import cloud.agora.ipld.*;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CIDs this module computes are the ones two independent implementations give for the same
 * bytes: Debian's ipfs_cid (CIDv0, what {@code ipfs add} gives) and npm's ipfs-unixfs-importer
 * (CIDv1 with raw leaves, what {@code ipfs add --cid-version=1} gives). Sizes cover the empty file,
 * small files, one chunk exactly, a chunk ± 1, several chunks, 20 MiB, and the step from one
 * to two tree levels (174 chunks ± 1).
 */
class CidCompatibilityTest {

    private static final int CHUNK = 262_144;
    private static final long MIB = 1 << 20;

    /** Name → size; content is pseudo-random (seeded by size) except the zero-filled vector. */
    private static final Map<String, Long> SIZES = new LinkedHashMap<>();

    static {
        SIZES.put("empty", 0L);
        SIZES.put("one-byte", 1L);
        SIZES.put("small", 1_000L);
        SIZES.put("chunk-minus-1", CHUNK - 1L);
        SIZES.put("chunk", (long) CHUNK);
        SIZES.put("chunk-plus-1", CHUNK + 1L);
        SIZES.put("two-chunks", 2L * CHUNK);
        SIZES.put("three-chunks-and-a-bit", 3L * CHUNK + 7);
        SIZES.put("twenty-mib", 20 * MIB);
        SIZES.put("174-chunks", 174L * CHUNK);
        SIZES.put("174-chunks-plus-1", 174L * CHUNK + 1);
        SIZES.put("175-chunks-plus-1", 175L * CHUNK + 1);
    }

    @TempDir
    static Path dir;

    private static final Map<String, Path> files = new LinkedHashMap<>();

    @BeforeAll
    static void writeFiles() throws IOException {
        for (Map.Entry<String, Long> e : SIZES.entrySet()) {
            files.put(e.getKey(), write(dir.resolve(e.getKey()), e.getValue(), e.getValue()));
        }
        Path zeros = dir.resolve("one-mib-of-zeros");
        Files.write(zeros, new byte[(int) MIB]);
        files.put("one-mib-of-zeros", zeros);
    }

    private static Path write(Path file, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buffer = new byte[65_536];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(buffer.length, left);
                for (int i = 0; i < n; i += 8) {
                    long r = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        buffer[i + j] = (byte) (r >>> (8 * j));
                    }
                }
                out.write(buffer, 0, n);
                left -= n;
            }
        }
        return file;
    }

    private static String cidOf(Path file, DagLayout layout) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return FileImporter.importFile(in, layout, (cid, block, length) -> {
            }).root().toString();
        }
    }

    @Test
    void cidV0MatchesDebianIpfsCidForEverySize() throws Exception {
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            String ours = cidOf(e.getValue(), DagLayout.KUBO_CID_V0);
            String theirs = ReferenceTools.ipfsCidV0(e.getValue());
            if (!ours.equals(theirs)) {
                mismatches.add(e.getKey() + ": ours " + ours + ", ipfs_cid " + theirs);
            }
        }
        assertThat(mismatches).isEmpty();
        assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void cidV1RawLeavesMatchesTheJavaScriptImporterForEverySize() throws Exception {
        Map<Path, String> theirs = ReferenceTools.unixfsImporter(List.copyOf(files.values()), DagLayout.KUBO_CID_V1);
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            String ours = cidOf(e.getValue(), DagLayout.KUBO_CID_V1);
            if (!ours.equals(theirs.get(e.getValue()))) {
                mismatches.add(e.getKey() + ": ours " + ours + ", importer " + theirs.get(e.getValue()));
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void deepTreesMatchTheJavaScriptImporterWithSmallChunksAndFanOut() throws Exception {
        // 4-link nodes over 1 KiB chunks reach 4 and 5 levels with a few hundred KiB, which the
        // 256 KiB / 174 layout only reaches past 7 GiB; the tree-building code is the same.
        List<Path> deep = new ArrayList<>();
        for (long size : new long[] {4 * 1024, 4 * 1024 + 1, 16 * 1024, 16 * 1024 + 1, 64 * 1024 + 1, 300_000, 1_100_000}) {
            deep.add(write(dir.resolve("deep-" + size), size, size + 1));
        }
        for (DagLayout base : List.of(DagLayout.KUBO_CID_V0, DagLayout.KUBO_CID_V1)) {
            DagLayout small = new DagLayout(base.cidVersion(), base.rawLeaves(), 1024, 4);
            Map<Path, String> theirs = ReferenceTools.unixfsImporter(deep, small);
            for (Path file : deep) {
                assertThat(cidOf(file, small)).as("%s with %s", file.getFileName(), small).isEqualTo(theirs.get(file));
            }
        }
    }

    @Test
    void knownVectorsFromKubo() throws Exception {
        assertThat(cidOf(files.get("empty"), DagLayout.KUBO_CID_V0)).isEqualTo("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
        assertThat(cidOf(files.get("one-mib-of-zeros"), DagLayout.KUBO_CID_V0))
                .isEqualTo("QmVkbauSDEaMP4Tkq6Epm9uW75mWm136n81YH8fGtfwdHU");
        Path hello = Files.writeString(dir.resolve("hello"), "hello world\n");
        assertThat(cidOf(hello, DagLayout.KUBO_CID_V0)).isEqualTo("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
        assertThat(cidOf(hello, DagLayout.KUBO_CID_V1)).isEqualTo("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        assertThat(cidOf(files.get("empty"), DagLayout.KUBO_CID_V1))
                .isEqualTo("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    }
}
