package cloud.agora.agent.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One host uid (and gid, the same number) per lease for its function containers (runc) or Pods (Kubernetes), so that no two tenants share the
 * kernel's per-user state: process counts ({@code RLIMIT_NPROC}), inotify and keyring quotas, message queues, and
 * the same-uid access to another process's {@code /proc/<pid>} files. Uids come from a range no distribution gives to
 * users or services ({@value #FIRST} and the {@value #COUNT} after it): a lease's slot starts at its id's hash and
 * moves to the next free one, so a lease keeps its uid while it is held and gets it back after an agent restart
 * unless another lease took the slot meanwhile. Released when the lease's containers are removed. In memory: the
 * containers themselves do not survive a restart of the agent.
 */
public final class LeaseUids {

    /** The first uid handed out. */
    public static final int FIRST = 1_879_048_192; // 0x70000000
    /** How many uids the range holds. */
    public static final int COUNT = 65_536;

    private final Map<UUID, Integer> byLease = new HashMap<>();
    private final Map<Integer, UUID> byUid = new HashMap<>();

    /** The uid of {@code leaseId}'s containers, assigned now if it has none. */
    public synchronized int of(UUID leaseId) {
        Integer held = byLease.get(leaseId);
        if (held != null) {
            return held;
        }
        if (byLease.size() == COUNT) {
            throw new IllegalStateException("every one of the " + COUNT + " lease uids is in use");
        }
        int slot = Math.floorMod(leaseId.hashCode(), COUNT);
        while (byUid.containsKey(FIRST + slot)) {
            slot = (slot + 1) % COUNT;
        }
        int uid = FIRST + slot;
        byLease.put(leaseId, uid);
        byUid.put(uid, leaseId);
        return uid;
    }

    /** Frees {@code leaseId}'s uid (its containers are gone). */
    public synchronized void release(UUID leaseId) {
        Integer uid = byLease.remove(leaseId);
        if (uid != null) {
            byUid.remove(uid);
        }
    }
}
