package cloud.agora.agent.runtime;

import cloud.agora.protocol.eth.Address;
import java.util.Objects;
import java.util.UUID;

/**
 * What a lease asks of this host: its consumer and the limits each container runs under.
 *
 * @param leaseId  the lease
 * @param consumer who pays for it
 * @param limits   per-container limits (the lease's resources)
 */
public record Workload(UUID leaseId, Address consumer, Limits limits) {

    public Workload {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(limits, "limits");
    }
}
