package cloud.agora.functions.api;

import cloud.agora.functions.domain.history.LogQuery.InvalidLogQueryException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.regex.Pattern;

/** Reads the query parameters of a log query; one that does not read is 400 {@code invalid-log-query}. */
final class LogQueryParameters {

    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

    private LogQueryParameters() {
    }

    static Instant instant(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidLogQueryException(parameter, value, parameter + " must be an ISO-8601 instant such as"
                    + " 2026-01-01T00:00:00Z, got '" + value + "'");
        }
    }

    static UUID uuid(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidLogQueryException(parameter, value, parameter + " must be an invocation id (a UUID), got '"
                    + value + "'");
        }
    }

    static String address(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (!ADDRESS.matcher(value).matches()) {
            throw new InvalidLogQueryException(parameter, value, parameter + " must be a provider's address (0x and 40"
                    + " hex digits), got '" + value + "'");
        }
        return value;
    }

    static long limit(String value) {
        if (value == null || value.isBlank()) {
            return Long.MAX_VALUE;
        }
        try {
            long limit = Long.parseLong(value);
            if (limit >= 1) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new InvalidLogQueryException("limit", value, "limit must be a whole number of lines, at least 1, got '"
                + value + "'");
    }

    /** The {@code seq} to resume after: the {@code Last-Event-ID} an EventSource sends when it reconnects, else {@code after}. */
    static Long cursor(String after, String lastEventId) {
        if (lastEventId != null && !lastEventId.isBlank()) {
            return seq("Last-Event-ID", lastEventId);
        }
        return after == null || after.isBlank() ? null : seq("after", after);
    }

    private static long seq(String parameter, String value) {
        try {
            long seq = Long.parseLong(value.strip());
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new InvalidLogQueryException(parameter, value, parameter + " must be the seq of a log line (a whole"
                + " number, at least 0), got '" + value + "'");
    }

    static boolean flag(String parameter, String value) {
        if (value == null || value.isBlank() || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new InvalidLogQueryException(parameter, value, parameter + " must be true or false, got '" + value + "'");
    }
}
