package cloud.agora.functions.api;

import cloud.agora.functions.domain.history.LogLine;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.support.problem.ProblemException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How log lines go out: server-sent events (each line an event, {@code id:} its {@code seq}, {@code data:} the
 * line's JSON) or newline-delimited JSON. A page of lines is rendered as one chunk, written at once.
 */
enum LogFormat {

    SSE("text/event-stream"),
    NDJSON("application/x-ndjson");

    private static final ObjectWriter JSON = JsonCodec.mapper().writerFor(LogLine.class);
    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final String mediaType;

    LogFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    String mediaType() {
        return mediaType;
    }

    /**
     * The format an {@code Accept} header asks for: NDJSON when it names {@code application/x-ndjson} before any
     * {@code text/event-stream}, else SSE (also with no header, or {@code *}{@code /*}); 406 when it accepts neither.
     */
    static LogFormat accepting(String accept) {
        if (accept == null || accept.isBlank()) {
            return SSE;
        }
        LogFormat fallback = null;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].strip().toLowerCase(Locale.ROOT);
            if (refused(parts)) {
                continue;
            }
            switch (type) {
                case "application/x-ndjson":
                    return NDJSON;
                case "text/event-stream":
                    return SSE;
                case "*/*", "text/*":
                    fallback = fallback == null ? SSE : fallback;
                    break;
                default:
                    break;
            }
        }
        if (fallback != null) {
            return fallback;
        }
        throw new LogFormatNotAcceptableException(accept);
    }

    /** Whether a media range's parameters say {@code q=0} (not acceptable). */
    private static boolean refused(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            if (parameter.startsWith("q=")) {
                try {
                    return Double.parseDouble(parameter.substring(2)) <= 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** The page as one chunk of this format. */
    byte[] render(List<LogLine> page) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(page.size() * 200);
        try {
            for (LogLine line : page) {
                if (this == SSE) {
                    out.write(ID);
                    out.write(Long.toString(line.seq()).getBytes(StandardCharsets.US_ASCII));
                    out.write(DATA);
                    out.write(JSON.writeValueAsBytes(line)); // one line: JSON escapes the line's own breaks
                    out.write(EVENT_END);
                } else {
                    out.write(JSON.writeValueAsBytes(line));
                    out.write('\n');
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a log line did not render as JSON", e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** The request accepts neither log format (406). */
    static final class LogFormatNotAcceptableException extends ProblemException {
        LogFormatNotAcceptableException(String accept) {
            super(406, "log-format-not-acceptable", "Log format not acceptable", "logs are served as text/event-stream"
                    + " or application/x-ndjson; Accept was '" + accept + "'", Map.of("accept", accept));
        }
    }
}
