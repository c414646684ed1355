package cloud.agora.functions.domain.history;

import java.time.Instant;

/** A place in a function's log: the line recorded at {@code at} with {@code seq} (the keyset of a read). */
public record LogPosition(Instant at, long seq) {
}
