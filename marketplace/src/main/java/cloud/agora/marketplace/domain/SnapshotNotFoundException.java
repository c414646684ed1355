package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** No reputation snapshot kept under this CID. */
public class SnapshotNotFoundException extends ProblemException {

    public SnapshotNotFoundException(String cid) {
        super(404, "snapshot-not-found", "Reputation snapshot not found", "no reputation snapshot is kept under " + cid
                + " (GET /api/v1/reputation/snapshots lists them)", Map.of("cid", cid));
    }
}
