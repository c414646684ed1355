package cloud.agora.protocol.reputation;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Storage audits a storage gateway ran, reported to the marketplace ({@code POST /api/v1/audits}) as evidence of the
 * audited providers' reputation. Each audit counts once, by its id.
 */
public record AuditReport(List<Audit> audits) {

    public AuditReport {
        audits = audits == null ? List.of() : List.copyOf(audits);
    }

    /**
     * One audit of the replica held under a storage lease.
     *
     * @param id      unique per audit (a repeated report counts it once)
     * @param passed  whether the provider proved it holds the challenged block
     * @param reason  why it failed, null when it passed
     */
    public record Audit(UUID id, UUID leaseId, boolean passed, Instant at, String reason) {
    }
}
