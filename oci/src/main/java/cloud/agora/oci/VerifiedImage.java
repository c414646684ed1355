package cloud.agora.oci;

import java.nio.file.Path;
import java.util.List;

/**
 * An image archive whose blobs, config and layers were all checked (see {@link OciImages#verify}). Only such an image
 * can be unpacked, and unpacking checks the layers' digests again as it reads them.
 *
 * @param archive        the archive file
 * @param format         how the archive was written
 * @param manifestDigest {@code sha256:<hex>} of the image manifest; for a docker save archive, of the canonical
 *                       manifest described in the module README ("Manifest digest of a docker save archive")
 * @param configDigest   {@code sha256:<hex>} of the config blob (docker's image id)
 * @param config         what the config says about running the image
 * @param layers         the layers, lowest first
 * @param unpackedBytes  the layers' uncompressed tar streams together
 * @param entries        tar entries over all layers
 * @param limits         the limits it was verified under (unpacking enforces them again)
 */
public record VerifiedImage(Path archive, Format format, String manifestDigest, String configDigest, ImageConfig config,
        List<ImageLayer> layers, long unpackedBytes, int entries, OciLimits limits) {

    /** How an archive was written. */
    public enum Format {
        /** An OCI image layout in a tar ({@code skopeo copy … oci-archive:}; Docker 25+ {@code docker save} too). */
        OCI_LAYOUT,
        /** {@code docker save} before Docker 25, or Jib's {@code jib:buildTar}: {@code manifest.json}. */
        DOCKER_ARCHIVE
    }

    public VerifiedImage {
        layers = List.copyOf(layers);
    }
}
