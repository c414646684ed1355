package cloud.agora.storage.domain;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of a file (RFC 9110 §14.1.2): {@code bytes=first-last}, {@code bytes=first-}
 * or {@code bytes=-suffix}.
 *
 * @param first the first byte
 * @param last  the last byte (inclusive)
 */
public record ByteRange(long first, long last) {

    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    /** The number of bytes. */
    public long length() {
        return last - first + 1;
    }

    /**
     * The range a {@code Range} header selects in a file of {@code size} bytes: empty for no
     * header, an unparseable one or several ranges (the whole file is then served, as RFC 9110
     * allows).
     *
     * @throws InvalidRangeException when the range selects no byte of the file
     */
    public static Optional<ByteRange> parse(String header, long size) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0 || size == 0) {
                    throw new InvalidRangeException(header, size);
                }
                return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1));
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (first >= size || last < first) {
                throw new InvalidRangeException(header, size);
            }
            return Optional.of(new ByteRange(first, last));
        } catch (NumberFormatException e) {
            throw new InvalidRangeException(header, size);
        }
    }
}
