package cloud.agora.support.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Sign-in with Ethereum and access tokens, the same for every service of one platform. */
@ConfigMapping(prefix = "agora.auth")
public interface AuthConfig {

    /** The authority named in sign-in messages (what the wallet shows the user). */
    @WithDefault("localhost")
    String domain();

    /** The URI named in sign-in messages. */
    @WithDefault("http://localhost")
    String uri();

    /** The chain sessions are bound to (31337 is Anvil's). */
    @WithDefault("31337")
    long chainId();

    /**
     * The secret (at least 32 characters) that signs nonces and tokens, shared by every service
     * of the platform. Set it through the environment ({@code AGORA_AUTH_SECRET}); without it and
     * without {@link #secretFile()} the service makes a random one, and its tokens are then
     * accepted by this process only.
     */
    Optional<String> secret();

    /** A file holding the secret, as an alternative to {@link #secret()} (Kubernetes Secrets). */
    Optional<Path> secretFile();

    /** How long an access token is accepted. */
    @WithDefault("1h")
    Duration tokenLifetime();

    /** How long a sign-in challenge may be answered. */
    @WithDefault("5m")
    Duration challengeLifetime();
}
