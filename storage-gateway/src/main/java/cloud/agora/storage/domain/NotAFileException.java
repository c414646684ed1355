package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** The CID names a directory, symlink or other non-file UnixFS node; ask for ?format=raw or car. */
public class NotAFileException extends ProblemException {

    public NotAFileException(Cid cid, String what) {
        super(422, "not-a-file", "The CID is not a UnixFS file",
                cid + " is a " + what + "; fetch it with ?format=raw or ?format=car", Map.of("cid", cid.toString()));
    }
}
