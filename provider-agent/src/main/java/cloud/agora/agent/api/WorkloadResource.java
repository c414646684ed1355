package cloud.agora.agent.api;

import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.BidKind;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code GET /api/v1/workloads}: the leases this agent serves, their consumers, limits and receipt roots — for the
 * provider only (it names who buys what from whom).
 */
@Path("/api/v1/workloads")
@Produces(MediaType.APPLICATION_JSON)
@ProviderOnly
public class WorkloadResource {

    private final LeaseBook book;
    private final LeaseReconciler reconciler;
    private final WorkloadRuntime runtime;
    private final ReceiptJournal journal;

    public WorkloadResource(LeaseBook book, LeaseReconciler reconciler, WorkloadRuntime runtime, ReceiptJournal journal) {
        this.book = book;
        this.reconciler = reconciler;
        this.runtime = runtime;
        this.journal = journal;
    }

    /** One lease's workload. */
    public record WorkloadView(UUID leaseId, Address consumer, Limits limits, boolean containersPresent,
            List<ReceiptJournal.PeriodRoot> receiptRoots) {
    }

    /** All workloads, plus whether the marketplace was reachable at the last resync. */
    public record Workloads(String driver, boolean marketplaceReachable, ReceiptJournal.Counts receipts, List<WorkloadView> workloads) {
    }

    @GET
    public Workloads list() {
        Set<UUID> present = runtime.leasesPresent();
        List<WorkloadView> views = book.all().stream().filter(lease -> lease.kind() != BidKind.STORAGE).map(lease -> new WorkloadView(lease.id(), lease.owner(),
                reconciler.workloadOf(lease).limits(), present.contains(lease.id()), journal.roots(lease.id()))).toList();
        return new Workloads(runtime.driver(), reconciler.marketplaceReachable(), journal.counts(), views);
    }
}
