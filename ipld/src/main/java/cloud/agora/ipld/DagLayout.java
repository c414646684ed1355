package cloud.agora.ipld;

/**
 * How a file becomes a UnixFS DAG: fixed-size chunks under a balanced tree of dag-pb nodes.
 *
 * @param cidVersion 0 or 1
 * @param rawLeaves  whether chunks are raw blocks (codec raw) rather than UnixFS file nodes
 * @param chunkSize  bytes per chunk
 * @param maxLinks   links per internal node
 */
public record DagLayout(int cidVersion, boolean rawLeaves, int chunkSize, int maxLinks) {

    /** What {@code ipfs add} gives by default: CIDv0, dag-pb leaves, 256 KiB, 174 links. */
    public static final DagLayout KUBO_CID_V0 = new DagLayout(0, false, 262_144, 174);

    /** What {@code ipfs add --cid-version=1} gives: CIDv1 with raw leaves, 256 KiB, 174 links. */
    public static final DagLayout KUBO_CID_V1 = new DagLayout(1, true, 262_144, 174);

    public DagLayout {
        if (cidVersion != 0 && cidVersion != 1) {
            throw new IllegalArgumentException("CID version " + cidVersion);
        }
        if (cidVersion == 0 && rawLeaves) {
            throw new IllegalArgumentException("raw leaves need CIDv1");
        }
        if (chunkSize < 1 || chunkSize > 1 << 20) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " outside 1 B..1 MiB");
        }
        if (maxLinks < 2) {
            throw new IllegalArgumentException("at least 2 links per node");
        }
    }

    /** The layout {@code ipfs add} uses for the given CID version. */
    public static DagLayout forCidVersion(int version) {
        return switch (version) {
            case 0 -> KUBO_CID_V0;
            case 1 -> KUBO_CID_V1;
            default -> throw new IllegalArgumentException("CID version " + version + " (0 or 1)");
        };
    }
}
