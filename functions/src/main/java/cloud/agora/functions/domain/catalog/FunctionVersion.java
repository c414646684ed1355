package cloud.agora.functions.domain.catalog;

import java.time.Instant;
import java.util.List;

/**
 * One immutable version of a function: the validated spec and the stored bundle. Secret
 * env values are never part of it ({@link EnvVar#value()} is null for them).
 */
public record FunctionVersion(String name, int version, String runtime, String entrypoint, int memoryMiB, int cpuMillis,
        int timeoutMillis, int maxConcurrency, String bundleCid, long bundleBytes, int bundleFiles, List<EnvVar> env,
        Instant createdAt, String mode, List<String> command) {
}
