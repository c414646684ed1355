package cloud.agora.agent.runtime;

import java.util.Set;
import java.util.UUID;

/**
 * Runs leased functions in isolated containers: one driver per host kind ({@code runc} on a
 * Linux machine, {@code kubernetes} on a cluster). A workload is the set of containers that
 * serve one lease; the driver enforces the lease's limits on each of them.
 *
 * <p>Implementations are thread-safe: calls for different workloads run concurrently.
 */
public interface WorkloadRuntime extends AutoCloseable {

    /** The driver's name as configured ({@code runc}, {@code kubernetes}). */
    String driver();

    /** Prepares what a lease needs before its first call (idempotent). */
    void prepare(Workload workload);

    /**
     * Runs one call to completion: the request on the function's stdin, its stdout back,
     * metered from the kernel's accounting. Function failures (non-zero exit, timeout, out of
     * memory) are results, not exceptions.
     *
     * @throws RuntimeFailureException when the platform could not run it at all
     */
    InvocationResult invoke(Workload workload, FunctionSpec function, InvocationRequest request);

    /** Stops and removes every container of the lease (idempotent). */
    void remove(UUID leaseId);

    /** The leases that have containers or prepared state on this host now (for adoption after a restart). */
    Set<UUID> leasesPresent();

    /** Stops everything this runtime started. */
    @Override
    void close();
}
