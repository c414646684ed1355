package cloud.agora.storage.domain.pin;

import java.util.Locale;

/** Where a pin request stands: queued → pinning → pinned or failed (the spec's Status). */
public enum PinState {
    QUEUED, PINNING, PINNED, FAILED;

    /** The spec's lower-case name. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the spec's lower-case name. */
    public static PinState fromWire(String text) {
        for (PinState state : values()) {
            if (state.wire().equals(text)) {
                return state;
            }
        }
        throw new InvalidPinRequestException("status '" + text + "' is not one of queued, pinning, pinned, failed");
    }
}
