package cloud.agora.functions.domain.limits;

import cloud.agora.functions.domain.bundle.InvalidImageException;
import cloud.agora.functions.domain.catalog.FunctionSpec;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.catalog.InvalidFunctionSpecException;
import cloud.agora.functions.domain.invocation.InvocationFailedException;
import cloud.agora.protocol.governance.FunctionsParameters;
import java.time.Duration;
import java.util.Map;

/**
 * The limits governance sets on functions, as in effect at one moment: the longest timeout a function may declare
 * ({@code functions.max-timeout}), the largest request body of an invocation ({@code functions.max-body-size}) and the
 * largest image a version may bring ({@code functions.max-image-size}), and how long log lines are kept
 * ({@code functions.log-retention}).
 * Its checks throw the problem that refuses what goes beyond them.
 *
 * @param maxTimeout   the longest timeout a function version may declare
 * @param maxBodyBytes the largest request body the gateway forwards
 * @param maxImageBytes the largest OCI image archive a version may bring ({@code functions.max-image-size})
 * @param logRetention how long a log line is kept after it was recorded ({@code functions.log-retention})
 */
public record GovernedLimits(Duration maxTimeout, int maxBodyBytes, long maxImageBytes, Duration logRetention) {

    /** The shortest log retention this service applies (governance's own lower bound is an hour). */
    public static final Duration MIN_LOG_RETENTION = Duration.ofMinutes(1);

    public GovernedLimits {
        if (maxTimeout.toMillis() < FunctionSpec.MIN_TIMEOUT_MILLIS || maxTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the longest timeout must be from " + FunctionSpec.MIN_TIMEOUT_MILLIS
                    + " ms to " + Integer.MAX_VALUE + " ms, got " + maxTimeout);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("the largest body must be at least 1 byte, got " + maxBodyBytes);
        }
        if (maxImageBytes < 1) {
            throw new IllegalArgumentException("the largest image must be at least 1 byte, got " + maxImageBytes);
        }
        if (logRetention.compareTo(MIN_LOG_RETENTION) < 0) {
            throw new IllegalArgumentException("the log retention must be at least " + MIN_LOG_RETENTION + ", got "
                    + logRetention);
        }
    }

    /** The longest timeout, in milliseconds. */
    public int maxTimeoutMillis() {
        return (int) maxTimeout.toMillis();
    }

    /**
     * Refuses a call or deployment of {@code version} of {@code function} when its timeout is above the longest
     * allowed (400 {@code invalid-function-spec}: the version must be published again with a shorter timeout).
     */
    public void checkTimeout(String function, FunctionVersion version) {
        if (version.timeoutMillis() > maxTimeoutMillis()) {
            throw new InvalidFunctionSpecException("version " + version.version() + " of '" + function
                    + "' declares timeoutMillis " + version.timeoutMillis() + ", above the governed "
                    + FunctionsParameters.MAX_TIMEOUT + " of " + maxTimeoutMillis() + " ms (" + maxTimeout
                    + "); publish a version with a shorter timeout", Map.of("function", function, "version",
                            version.version(), "maxTimeoutMillis", maxTimeoutMillis()));
        }
    }

    /** Refuses a call of {@code function} whose request body has more than the largest allowed (413). */
    public void checkBody(String function, int bodyBytes) {
        if (bodyBytes > maxBodyBytes) {
            throw InvocationFailedException.tooLarge(
                    "the body has " + bodyBytes + " bytes, at most " + maxBodyBytes + " are accepted (the governed "
                            + FunctionsParameters.MAX_BODY_SIZE + ")", Map.of("function", function, "maxBytes", maxBodyBytes));
        }
    }

    /** Refuses an image archive of more than the largest allowed (413 {@code image-too-large}). */
    public void checkImage(long archiveBytes) {
        if (archiveBytes > maxImageBytes) {
            throw InvalidImageException.tooLarge("the image archive has "
                    + archiveBytes + " bytes, at most " + maxImageBytes + " are accepted (the governed "
                    + FunctionsParameters.MAX_IMAGE_SIZE + ")", Map.of("maxBytes", maxImageBytes));
        }
    }
}
