package cloud.agora.agent.runtime.runc;


/**
 * Stops every process a call left in its container's cgroup (background jobs, daemons,
 * {@code setsid} children, double forks: whatever the kernel lists in the cgroup) so that none
 * runs free after the call's usage is read, and none reaches into the next call.
 *
 * <p>Which processes exist is the kernel's answer ({@code cgroup.procs}), never a guess by name.
 * When anything but the kept process is there, the cgroup is frozen (the v1 freezer or v2's
 * {@code cgroup.freeze}: no process of it runs or forks until thawed, and a fork in flight lands
 * frozen in the cgroup), the list is read again — now complete and stable — every process on it
 * but the kept one gets SIGKILL, and the cgroup is thawed: the killed processes die on waking, without a chance to fork. So a fork
 * bomb, bounded by the pids limit, cannot outrun it. The caller then waits for the event that
 * matters, the cgroup's list holding only the kept process; there is no fixed sleep. Should
 * that not happen by the deadline (a process stuck in the kernel), the answer is {@code false}
 * and the container must not be reused.
 */
final class Leftovers {

    /** Nothing to keep: every process of the cgroup is killed. */
    static final long NONE = -1;

    private Leftovers() {
    }

    /**
     * Kills every process of the cgroup but {@code keep} and returns once the kernel lists only
     * {@code keep} (or nothing, for {@link #NONE}, or when {@code keep} is gone too).
     *
     * @return {@code true} when no other process is left; {@code false} at the deadline
     */
    static boolean clear(Cgroups cgroups, String cgroup, long keep, long timeoutNanos) {
        if (onlyKept(cgroups.processes(cgroup), keep)) {
            return true; // nothing left behind: the usual case costs one read of cgroup.procs
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            cgroups.freeze(cgroup);
            try {
                awaitFrozen(cgroups, cgroup, deadline);
                for (long pid : cgroups.processes(cgroup)) {
                    if (pid != keep) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } finally {
                cgroups.thaw(cgroup);
            }
            Backoff backoff = new Backoff(1);
            while (true) {
                if (onlyKept(cgroups.processes(cgroup), keep)) {
                    return true;
                }
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                if (backoff.rounds > 64) {
                    break; // a process that escaped a round (should not happen while frozen): freeze and kill again
                }
                backoff.pause();
            }
        }
    }

    private static void awaitFrozen(Cgroups cgroups, String cgroup, long deadline) {
        Backoff backoff = new Backoff(1);
        while (!cgroups.frozen(cgroup) && System.nanoTime() - deadline < 0) {
            backoff.pause(); // a process in an uninterruptible sleep freezes when it returns; kill anyway at the deadline
        }
    }

    private static boolean onlyKept(long[] pids, long keep) {
        for (long pid : pids) {
            if (pid != keep) {
                return false;
            }
        }
        return true;
    }
}
