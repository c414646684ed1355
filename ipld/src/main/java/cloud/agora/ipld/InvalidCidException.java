package cloud.agora.ipld;

/**
 * A CID that does not parse, or uses a codec or hash function this library does not handle
 * (only what {@code ipfs add} makes: dag-pb and raw with sha2-256). Services map it to their
 * {@code invalid-cid} problem.
 */
public class InvalidCidException extends IllegalArgumentException {

    private final String cid;

    public InvalidCidException(String cid, String why) {
        super("'" + cid + "' is not a CID this platform serves: " + why);
        this.cid = cid;
    }

    /** The text that was given as a CID. */
    public String cid() {
        return cid;
    }
}
