package cloud.agora.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LeaseUidsTest {

    @Test
    void everyLeaseHeldAtOnceHasItsOwnUidInTheRangeAndKeepsIt() {
        LeaseUids uids = new LeaseUids();
        Set<Integer> seen = new HashSet<>();
        UUID first = UUID.randomUUID();
        int firstUid = uids.of(first);
        seen.add(firstUid);
        for (int i = 0; i < 5_000; i++) {
            int uid = uids.of(UUID.randomUUID());
            assertThat(uid).isBetween(LeaseUids.FIRST, LeaseUids.FIRST + LeaseUids.COUNT - 1);
            assertThat(seen.add(uid)).as("uid %d handed out twice", uid).isTrue();
        }
        assertThat(uids.of(first)).isEqualTo(firstUid);
    }

    @Test
    void aReleasedUidGoesToTheNextLeaseThatHashesThere() {
        LeaseUids uids = new LeaseUids();
        UUID lease = new UUID(0, 7);
        UUID sameSlot = new UUID(0, 7L + LeaseUids.COUNT); // same hash modulo the range
        int uid = uids.of(lease);
        assertThat(uids.of(sameSlot)).isEqualTo(uid + 1);
        uids.release(lease);
        assertThat(uids.of(new UUID(0, 7L + 2L * LeaseUids.COUNT))).isEqualTo(uid);
    }
}
