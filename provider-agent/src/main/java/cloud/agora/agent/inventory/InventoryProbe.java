package cloud.agora.agent.inventory;

import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.resources.Resources;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Probes the machine (cores, memory, disk, working drivers) and derives the capacity to sell
 * and what is free of it given the active leases.
 */
public final class InventoryProbe {

    private final Path dataDir;
    private final Resources reserve;
    private final Long maxCpuMillis;
    private final Long maxMemoryMiB;
    private final long maxStorageGiB;
    private final Supplier<List<String>> drivers;
    private final Supplier<List<String>> runtimes;
    private final LeaseBook leases;

    public InventoryProbe(Path dataDir, Resources reserve, Long maxCpuMillis, Long maxMemoryMiB, long maxStorageGiB,
            Supplier<List<String>> drivers, Supplier<List<String>> runtimes, LeaseBook leases) {
        this.dataDir = dataDir;
        this.reserve = reserve;
        this.maxCpuMillis = maxCpuMillis;
        this.maxMemoryMiB = maxMemoryMiB;
        this.maxStorageGiB = maxStorageGiB;
        this.drivers = drivers;
        this.runtimes = runtimes;
        this.leases = leases;
    }

    /** The inventory now. */
    public HostInventory probe() {
        int cores = Runtime.getRuntime().availableProcessors();
        long memoryMiB = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() / (1024 * 1024);
        long diskFreeGiB;
        try {
            diskFreeGiB = Files.getFileStore(dataDir).getUsableSpace() / (1024L * 1024 * 1024);
        } catch (IOException e) {
            diskFreeGiB = 0;
        }
        long cpu = Math.max(0, cores * 1000L - reserve.cpuMillis());
        long mem = Math.max(0, memoryMiB - reserve.memoryMiB());
        Resources capacity = new Resources(maxCpuMillis == null ? cpu : Math.min(cpu, maxCpuMillis),
                maxMemoryMiB == null ? mem : Math.min(mem, maxMemoryMiB), Math.min(diskFreeGiB, maxStorageGiB));
        long leasedCpu = 0;
        long leasedMem = 0;
        long leasedDisk = 0;
        for (LeaseView lease : leases.all()) {
            leasedCpu += lease.resources().cpuMillis();
            leasedMem += lease.resources().memoryMiB();
            leasedDisk += lease.resources().storageGiB();
        }
        Resources leased = new Resources(leasedCpu, leasedMem, leasedDisk);
        Resources free = new Resources(Math.max(0, capacity.cpuMillis() - leasedCpu), Math.max(0, capacity.memoryMiB() - leasedMem),
                Math.max(0, capacity.storageGiB() - leasedDisk));
        return new HostInventory(cores, memoryMiB, diskFreeGiB, drivers.get(), runtimes.get(), reserve, capacity, leased, free);
    }
}
