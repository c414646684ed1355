package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The only way the gateway reads blocks: from the configured backend, each one hashed and
 * compared with its CID before anyone sees it, whichever backend it came from.
 */
@ApplicationScoped
public class VerifiedBlocks {

    private final ContentBackend backend;

    public VerifiedBlocks(ContentBackend backend) {
        this.backend = backend;
    }

    /**
     * The block named by {@code cid}.
     *
     * @throws ContentNotFoundException when the backend does not hold it
     * @throws CorruptBlockException    when what it holds does not hash to the CID
     */
    public byte[] get(Cid cid) {
        byte[] block;
        try {
            block = backend.block(cid).orElseThrow(() -> new ContentNotFoundException(cid));
        } catch (IOException e) {
            throw new UncheckedIOException("reading block " + cid + " from " + backend.name(), e);
        }
        if (!cid.matches(block)) {
            throw new CorruptBlockException(cid, "its sha2-256 digest differs from the CID's");
        }
        return block;
    }
}
