package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * A stored block does not hash to its CID (disk corruption, a misbehaving backend), or is not
 * the dag-pb/UnixFS it claims to be. It is never served.
 */
public class CorruptBlockException extends ProblemException {

    public CorruptBlockException(Cid cid, String why) {
        super(502, "corrupt-block", "A stored block failed verification",
                "block " + cid + " was not served: " + why, Map.of("cid", cid.toString()));
    }
}
