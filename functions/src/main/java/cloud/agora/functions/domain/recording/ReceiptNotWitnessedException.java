package cloud.agora.functions.domain.recording;

import cloud.agora.functions.domain.recording.InvocationRecord.ReceiptStatus;
import cloud.agora.support.problem.ProblemException;
import java.util.Map;
import java.util.UUID;

/**
 * The gateway did not witness the call's receipt (409 {@code receipt-not-witnessed}): it refused it (SUSPECT), the
 * agent sent none (MISSING), or the call was recorded before the gateway witnessed receipts (VERIFIED). There is no
 * witness to give, and billing rates no receipt the gateway did not witness.
 */
public class ReceiptNotWitnessedException extends ProblemException {

    public ReceiptNotWitnessedException(UUID id, ReceiptStatus status, String problem) {
        super(409, "receipt-not-witnessed", "The call's receipt was not witnessed", detail(id, status, problem),
                Map.of("invocationId", id, "receiptStatus", status.name()));
    }

    private static String detail(UUID id, ReceiptStatus status, String problem) {
        String why = switch (status) {
            case SUSPECT -> "the gateway refused the receipt the agent returned";
            case MISSING -> "the agent returned no readable receipt";
            case VERIFIED -> "the call was recorded before the gateway witnessed receipts";
            case FORWARDED -> throw new IllegalArgumentException("a forwarded receipt is witnessed");
        };
        return "the gateway witnessed no receipt of call " + id + ": " + why
                + (problem == null || problem.isBlank() ? "" : " (" + problem + ")")
                + "; billing rates no receipt the gateway did not witness";
    }
}
