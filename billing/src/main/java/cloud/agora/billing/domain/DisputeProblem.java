package cloud.agora.billing.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/** Why a dispute cannot be opened, answered or shown (RFC 9457 problems; nothing changes). */
public class DisputeProblem extends ProblemException {

    private DisputeProblem(int status, String slug, String title, String detail, Map<String, Object> ids) {
        super(status, slug, title, detail, ids);
    }

    /** No such dispute, or not one of the caller's. */
    static DisputeProblem notFound(UUID id) {
        return new DisputeProblem(404, "dispute-not-found", "No such dispute", "no dispute " + id + " of yours",
                Map.of("disputeId", id.toString()));
    }

    /** The witness does not prove how the charged call ended. */
    static DisputeProblem invalidEvidence(UUID invocationId, String detail) {
        return new DisputeProblem(422, "invalid-evidence", "The evidence does not support a dispute", detail,
                Map.of("invocationId", invocationId.toString()));
    }

    /** The call ended longer ago than the dispute window. */
    static DisputeProblem windowClosed(UUID invocationId, String detail) {
        return new DisputeProblem(422, "dispute-window-closed", "Too late to dispute this charge", detail,
                Map.of("invocationId", invocationId.toString()));
    }

    /** The charge is disputed already. */
    static DisputeProblem exists(UUID invocationId, UUID disputeId) {
        return new DisputeProblem(409, "dispute-exists", "This charge is disputed already", "the charge of "
                + invocationId + " is disputed by dispute " + disputeId,
                Map.of("invocationId", invocationId.toString(), "disputeId", disputeId.toString()));
    }

    /** The dispute was decided or its answer window ended. */
    static DisputeProblem closed(UUID id, String detail) {
        return new DisputeProblem(409, "dispute-closed", "The dispute takes no more answers", detail,
                Map.of("disputeId", id.toString()));
    }

    /** An answer that breaks the answer's limits. */
    static DisputeProblem invalidAnswer(UUID id, String detail) {
        return new DisputeProblem(400, "invalid-answer", "Invalid answer", detail, Map.of("disputeId", id.toString()));
    }
}
