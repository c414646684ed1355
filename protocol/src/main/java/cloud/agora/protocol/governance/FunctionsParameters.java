package cloud.agora.protocol.governance;

/**
 * The names of the governed parameters the functions service follows: the {@link ParameterChanged#name()} of
 * governance's decisions about them on {@code governance.decisions.v1}.
 */
public final class FunctionsParameters {

    /** The longest timeout a function may declare; a duration ({@link ParameterChanged#UNIT_DURATION}). */
    public static final String MAX_TIMEOUT = "functions.max-timeout";
    /** The largest request or response body of an invocation; a number of bytes. */
    public static final String MAX_BODY_SIZE = "functions.max-body-size";
    /** The largest OCI image archive a function version may bring; a number of bytes. */
    public static final String MAX_IMAGE_SIZE = "functions.max-image-size";
    /** How long a function's log lines are kept after they were recorded; a duration. */
    public static final String LOG_RETENTION = "functions.log-retention";
    /**
     * How long a scaled deployment's calls in flight must stay within what one replica fewer serves before a replica
     * is given up (the idle time); a duration.
     */
    public static final String SCALE_DOWN_AFTER = "functions.scale-down-after";

    private FunctionsParameters() {
    }
}
