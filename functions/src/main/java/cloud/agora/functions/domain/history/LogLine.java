package cloud.agora.functions.domain.history;

import java.time.Instant;
import java.util.UUID;

/** One line a function wrote to stderr, as recorded by the gateway that routed the call. */
public record LogLine(long seq, Instant time, UUID invocationId, String provider, String line) {
}
