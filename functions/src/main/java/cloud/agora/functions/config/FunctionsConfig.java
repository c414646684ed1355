package cloud.agora.functions.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the functions service ({@code agora.functions.*}). */
@ConfigMapping(prefix = "agora.functions")
public interface FunctionsConfig {

    /**
     * The AES-256 key that seals secret environment values, base64 of 32 bytes. From the
     * environment ({@code AGORA_FUNCTIONS_SECRET_KEY}) or a file, never from committed properties.
     */
    String secretKey();

    /** Largest accepted bundle (the compressed tar.gz as uploaded). */
    @WithDefault("52428800")
    long maxBundleBytes();

    /** Largest total size of the files a bundle unpacks to (guards against gzip bombs). */
    @WithDefault("268435456")
    long maxUnpackedBytes();

    /** Most entries (files, directories, links) in one bundle. */
    @WithDefault("10000")
    int maxBundleEntries();
}
