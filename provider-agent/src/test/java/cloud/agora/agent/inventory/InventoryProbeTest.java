package cloud.agora.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.protocol.resources.Resources;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryProbeTest {

    @TempDir
    Path data;

    @Test
    void sellsStorageUpToTheConfiguredMaximumAndTheFreeDisk() {
        HostInventory selling = new InventoryProbe(data, new Resources(500, 1024, 0), null, null, 3, () -> List.of("runc"),
                () -> List.of("shell"), new LeaseBook()).probe();
        assertThat(selling.diskFreeGiB()).isGreaterThanOrEqualTo(3);
        assertThat(selling.capacity().storageGiB()).isEqualTo(3);
        assertThat(selling.free().storageGiB()).isEqualTo(3);

        HostInventory notSelling = new InventoryProbe(data, new Resources(500, 1024, 0), null, null, 0, () -> List.of("runc"),
                () -> List.of("shell"), new LeaseBook()).probe();
        assertThat(notSelling.capacity().storageGiB()).isZero();
    }
}
