package cloud.agora.agent.image;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.oci.ImageConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A function image ready to run: its unpacked root filesystem (complete, verified, never changed once there; shared
 * read-only by every container of every lease using the same image) and what its config says about running it.
 *
 * @param manifestDigest {@code sha256:<hex>} naming the image (see the oci module README for docker save archives)
 * @param rootfs         the root filesystem, with the container's mount points present
 * @param config         entrypoint, cmd, env, working directory, user and exposed ports from the image's config
 */
public record PreparedImage(String manifestDigest, Path rootfs, ImageConfig config) {

    /**
     * The function as a container engine runs this image: {@code command} when given, else the image's entrypoint
     * followed by its command; the image's environment, then {@code env} over it; the image's working directory (the
     * root when it names none). The image's user is not used: every function runs as its lease's own uid.
     *
     * @throws IllegalArgumentException when neither the call nor the image names a command
     */
    public FunctionSpec function(List<String> command, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        if (command != null && !command.isEmpty()) {
            argv.addAll(command);
        } else {
            argv.addAll(config.entrypoint());
            argv.addAll(config.cmd());
        }
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("the image names no entrypoint or command, and the call gives none");
        }
        Map<String, String> merged = new LinkedHashMap<>();
        for (String kv : config.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                merged.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        merged.putAll(env);
        return FunctionSpec.image(rootfs, argv, merged, config.workingDir().isBlank() ? "/" : config.workingDir());
    }
}
