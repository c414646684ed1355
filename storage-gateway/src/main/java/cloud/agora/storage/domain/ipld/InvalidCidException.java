package cloud.agora.storage.domain.ipld;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** A CID that does not parse, or uses a codec or hash function this gateway does not serve. */
public class InvalidCidException extends ProblemException {

    public InvalidCidException(String cid, String why) {
        super(400, "invalid-cid", "The CID is not valid", "'" + cid + "' is not a CID this gateway serves: " + why,
                Map.of("cid", cid));
    }
}
