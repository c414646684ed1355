package cloud.agora.oci;

import java.util.List;

/**
 * What an image's config says about running it (the {@code config} object of the OCI image config / docker image
 * JSON). Absent values are empty lists or empty strings, never null.
 *
 * @param entrypoint   {@code Entrypoint}
 * @param cmd          {@code Cmd} (arguments to the entrypoint, or the command when there is none)
 * @param env          {@code Env}, {@code NAME=value} strings in the image's order
 * @param workingDir   {@code WorkingDir} ({@code ""} = the root)
 * @param user         {@code User} as written in the image (informational: functions run as a uid of their lease)
 * @param exposedPorts keys of {@code ExposedPorts} ({@code 8080/tcp}), sorted
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user,
        List<String> exposedPorts) {

    public ImageConfig {
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
        workingDir = workingDir == null ? "" : workingDir;
        user = user == null ? "" : user;
        exposedPorts = List.copyOf(exposedPorts);
    }
}
