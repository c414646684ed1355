package cloud.agora.governance.domain;

/** How a parameter's value is written and compared. */
public enum ParameterKind {
    /** A base-10 integer (no sign, no grouping). */
    INTEGER,
    /** An ISO-8601 duration, written as {@link java.time.Duration#toString()} does ({@code PT45S}). */
    DURATION
}
