package cloud.agora.storage.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** An upload that would take the account past its storage quota; nothing of it is kept. */
public class QuotaExceededException extends ProblemException {

    /**
     * @param quota     what the account may store through uploads
     * @param remaining what was left of it for this upload
     */
    public QuotaExceededException(long quota, long remaining) {
        super(413, "storage-quota-exceeded", "The account's storage quota is used up",
                "this account may store " + quota + " bytes through uploads and " + remaining
                        + " were left for this one; nothing was stored",
                Map.of("quotaBytes", quota, "remainingBytes", remaining));
    }
}
