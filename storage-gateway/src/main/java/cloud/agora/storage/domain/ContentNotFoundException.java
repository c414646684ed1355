package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The gateway holds no block for a well-formed CID. */
public class ContentNotFoundException extends ProblemException {

    public ContentNotFoundException(Cid cid) {
        super(404, "content-not-found", "No content under this CID", "this gateway holds no block " + cid,
                Map.of("cid", cid.toString()));
    }
}
