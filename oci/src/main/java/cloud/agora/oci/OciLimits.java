package cloud.agora.oci;

/**
 * What one image may cost. The caller passes the sizes it is governed by (an agent's configuration, a governed
 * parameter); nothing here has a default.
 *
 * @param maxArchiveBytes  largest archive file accepted
 * @param maxUnpackedBytes largest total of the layers' uncompressed tar streams (headers, file data and padding of
 *                         every layer, files later removed by a whiteout included): an upper bound of what unpacking
 *                         writes, and of what is decompressed, so a gzip bomb stops at it
 * @param maxEntries       most tar entries over all layers (whiteouts and directories included)
 */
public record OciLimits(long maxArchiveBytes, long maxUnpackedBytes, int maxEntries) {

    public OciLimits {
        if (maxArchiveBytes <= 0 || maxUnpackedBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("image limits must be positive");
        }
    }
}
