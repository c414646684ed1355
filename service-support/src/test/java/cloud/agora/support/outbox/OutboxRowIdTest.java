package cloud.agora.support.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OutboxRowIdTest {

    @Test
    void aUuidEventKeepsItsIdAndAnyOtherIdGetsTheNameBasedUuidOfItsText() {
        UUID id = UUID.randomUUID();
        assertThat(Outbox.rowId(id.toString())).isEqualTo(id);
        String root = "0x" + "ab".repeat(32);
        assertThat(Outbox.rowId(root)).isEqualTo(UUID.nameUUIDFromBytes(root.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Outbox.rowId(root));
        String dashed = "lease-1-done";
        assertThat(Outbox.rowId(dashed)).isEqualTo(UUID.nameUUIDFromBytes(dashed.getBytes(StandardCharsets.UTF_8)));
    }
}
