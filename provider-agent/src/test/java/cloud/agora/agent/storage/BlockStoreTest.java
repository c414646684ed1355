package cloud.agora.agent.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.ipld.Cid;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockStoreTest {

    @TempDir
    Path root;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void refusesABlockOverTheLeasesStorageAndKeepsWhatItHad() {
        BlockStore store = new BlockStore(root, 1024);
        UUID lease = UUID.randomUUID();
        byte[] a = bytes("a".repeat(60));
        byte[] b = bytes("b".repeat(60));
        assertThat(store.put(lease, 100, Cid.of(1, Cid.RAW, a), a)).isTrue();
        assertThatThrownBy(() -> store.put(lease, 100, Cid.of(1, Cid.RAW, b), b))
                .isInstanceOfSatisfying(StorageRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(507);
                    assertThat(e.slug()).isEqualTo("storage-lease-full");
                });
        assertThat(store.usage(lease)).isEqualTo(new BlockStore.Usage(1, 60));
        assertThat(store.get(lease, Cid.of(1, Cid.RAW, b))).isEmpty();
    }

    @Test
    void aRestartedStoreKeepsAcceptedBlocksAndDropsHalfWrittenOnes() throws Exception {
        UUID lease = UUID.randomUUID();
        byte[] a = bytes("accepted");
        new BlockStore(root, 1024).put(lease, 1 << 20, Cid.of(1, Cid.RAW, a), a);
        Path partial = root.resolve(lease.toString()).resolve(".put-" + UUID.randomUUID());
        Files.write(partial, bytes("half"));

        BlockStore restarted = new BlockStore(root, 1024);

        assertThat(restarted.get(lease, Cid.of(1, Cid.RAW, a))).hasValue(a);
        assertThat(restarted.usage(lease)).isEqualTo(new BlockStore.Usage(1, a.length));
        assertThat(Files.exists(partial)).isFalse();
        assertThat(restarted.leasesPresent()).containsExactly(lease);
        restarted.remove(lease);
        assertThat(restarted.leasesPresent()).isEmpty();
    }
}
