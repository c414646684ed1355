package cloud.agora.storage.domain;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Where blocks live: the embedded blockstore on local disk, or a Kubo node. The domain never
 * trusts what a backend returns: {@link VerifiedBlocks} checks every block against its CID.
 */
public interface ContentBackend {

    /**
     * Stores a file as a UnixFS DAG in {@code layout}, all or nothing: when reading
     * {@code content} fails (a truncated upload, a size limit) no block of it stays stored.
     */
    FileImporter.Imported add(InputStream content, DagLayout layout) throws IOException;

    /** The block's bytes as stored, or empty when the backend does not hold it. Unverified. */
    Optional<byte[]> block(Cid cid) throws IOException;

    /**
     * Makes the backend hold the whole DAG under {@code root} and keep it.
     *
     * @throws ContentNotFoundException when blocks of the DAG are missing and cannot be fetched
     */
    void pin(Cid root) throws IOException;

    /** Lets the backend drop the DAG under {@code root} when nothing else keeps it. */
    void unpin(Cid root) throws IOException;

    /** The backend's name for logs and health ("embedded", "kubo"). */
    String name();
}
