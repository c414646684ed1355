package cloud.agora.storage.integration.blockstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded blockstore with fsync on (the production setting; the API tests run with it off). */
class EmbeddedBlockstoreTest {

    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void anUploadWithFsyncStoresEveryBlockOnlyAfterAllWereForced() throws IOException {
        EmbeddedBlockstore store = new EmbeddedBlockstore(dir, true);
        byte[] file = random(5 * 262_144 + 17, 1); // 6 raw leaves + root
        FileImporter.Imported imported = store.add(new ByteArrayInputStream(file), DagLayout.forCidVersion(1));
        assertThat(imported.size()).isEqualTo(file.length);
        assertThat(store.blockCount()).isEqualTo(7);
        assertThat(store.stagedUploads()).isZero();
        store.pin(imported.root()); // every block of the DAG is there
        byte[] root = store.block(imported.root()).orElseThrow();
        assertThat(imported.root().matches(root)).isTrue();
    }

    @Test
    void anUploadThatBreaksOffWithFsyncLeavesNothing() throws IOException {
        EmbeddedBlockstore store = new EmbeddedBlockstore(dir, true);
        InputStream broken = new SequenceInputStream(new ByteArrayInputStream(random(3 * 262_144 + 5, 2)), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });
        assertThatThrownBy(() -> store.add(broken, DagLayout.forCidVersion(1))).isInstanceOf(IOException.class);
        assertThat(store.blockCount()).isZero();
        assertThat(store.stagedUploads()).isZero();
        Cid firstLeaf = Cid.of(1, Cid.RAW, random(3 * 262_144 + 5, 2), 262_144);
        assertThat(store.block(firstLeaf)).isEmpty();
        assertThat(Files.exists(dir.resolve("staging"))).isTrue();
    }
}
