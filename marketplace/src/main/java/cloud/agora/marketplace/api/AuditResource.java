package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.AccessDeniedException;
import cloud.agora.marketplace.domain.InvalidAuditReportException;
import cloud.agora.marketplace.domain.ReputationLedger;
import cloud.agora.protocol.reputation.AuditReport;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Storage gateways report the audits they ran: evidence of the audited providers' reputation. */
@Path("/api/v1/audits")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private final ReputationLedger ledger;
    private final Caller caller;

    public AuditResource(ReputationLedger ledger, Caller caller) {
        this.ledger = ledger;
        this.caller = caller;
    }

    @POST
    @SignedIn
    @Operation(summary = "A storage gateway reports the audits it ran",
            description = "Each audit counts once, by its id, for the provider of the storage lease it names; only a "
                    + "configured storage gateway, only for leases it brokered (403 forbidden, 422 invalid-audit-report).")
    @ProblemResponses({AccessDeniedException.class, InvalidAuditReportException.class})
    public Map<String, Integer> report(AuditReport report) {
        return Map.of("counted", ledger.recordAudits(caller.address(), report));
    }
}
