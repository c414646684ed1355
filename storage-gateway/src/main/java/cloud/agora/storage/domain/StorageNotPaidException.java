package cloud.agora.storage.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * Storage the account would have to pay for while billing collects nothing from it (402 {@code storage-not-paid}):
 * an upload past the free allowance, or a pin asking for provider replicas. Nothing is stored or recorded.
 */
public class StorageNotPaidException extends ProblemException {

    /**
     * @param what   what needed paid storage
     * @param reason why billing collects nothing ({@code not-authorized}, {@code below-floor})
     */
    public StorageNotPaidException(String what, String reason) {
        super(402, "storage-not-paid", "Paid storage is needed",
                what + " needs paid storage, and billing collects nothing from this account (" + reason
                        + "): deposit in the escrow and authorize billing's delegate; nothing was stored",
                Map.of("reason", reason));
    }
}
