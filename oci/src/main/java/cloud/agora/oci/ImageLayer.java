package cloud.agora.oci;

/**
 * One verified layer, in the order it is applied.
 *
 * @param digest       {@code sha256:<hex>} of the blob as stored in the archive (compressed or not)
 * @param size         the blob's bytes
 * @param diffId       {@code sha256:<hex>} of the uncompressed tar stream (the config's {@code rootfs.diff_ids})
 * @param compression  how the blob is compressed
 * @param archiveEntry where the blob is inside the archive
 */
public record ImageLayer(String digest, long size, String diffId, Compression compression, String archiveEntry) {

    /** Layer compressions this code reads. */
    public enum Compression {
        NONE, GZIP
    }
}
