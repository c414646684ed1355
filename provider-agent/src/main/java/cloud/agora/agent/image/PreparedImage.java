package cloud.agora.agent.image;

import cloud.agora.oci.ImageConfig;
import java.nio.file.Path;

/**
 * A function image ready to run: its unpacked root filesystem (complete, verified, never changed once there; shared
 * read-only by every container of every lease using the same image) and what its config says about running it.
 *
 * @param manifestDigest {@code sha256:<hex>} naming the image (see the oci module README for docker save archives)
 * @param rootfs         the root filesystem, with the container's mount points present
 * @param config         entrypoint, cmd, env, working directory, user and exposed ports from the image's config
 */
public record PreparedImage(String manifestDigest, Path rootfs, ImageConfig config) {
}
