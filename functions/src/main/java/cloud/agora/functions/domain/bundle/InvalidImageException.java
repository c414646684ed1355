package cloud.agora.functions.domain.bundle;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/**
 * An image function's archive is not acceptable: 413 {@code image-too-large} over the governed size, 422
 * {@code image-invalid} (a digest that does not match, a device node, a setuid file, a path or whiteout escaping the
 * root, ...), {@code image-too-large} over the unpacked limits, or {@code image-unsupported} (a format or compression
 * the platform does not read). Nothing is stored.
 */
public class InvalidImageException extends ProblemException {

    public InvalidImageException(int status, String slug, String title, String detail, Map<String, ?> ids) {
        super(status, slug, title, detail, ids);
    }
}
