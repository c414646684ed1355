package cloud.agora.functions.domain.bundle;

/**
 * Where bundles are kept (the storage gateway); content-addressed, so storing the same
 * bytes twice gives the same CID and is harmless.
 */
public interface BundleStore {

    /** A stored bundle: its CID and size as the store reports them. */
    record StoredBundle(String cid, long size) {
    }

    /**
     * Stores {@code bundle} on behalf of the developer whose access token is {@code bearerToken}.
     *
     * @throws StorageUnavailableException when the store refuses or cannot be reached
     */
    StoredBundle store(byte[] bundle, String bearerToken);
}
