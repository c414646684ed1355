package cloud.agora.agent.inventory;

import cloud.agora.protocol.resources.Resources;
import java.util.List;

/**
 * What this machine has and what of it is sold.
 *
 * @param cores       online CPU cores
 * @param memoryMiB   physical memory
 * @param diskFreeGiB free space in the data directory
 * @param drivers     workload drivers that work here
 * @param runtimes    function runtimes offered (root filesystems)
 * @param reserve     kept for the host and the agent
 * @param capacity    offered: machine minus reserve, capped by the configured maxima
 * @param leased      the sum of the active leases' resources
 * @param free        capacity minus leased (never negative)
 */
public record HostInventory(int cores, long memoryMiB, long diskFreeGiB, List<String> drivers, List<String> runtimes,
        Resources reserve, Resources capacity, Resources leased, Resources free) {
}
