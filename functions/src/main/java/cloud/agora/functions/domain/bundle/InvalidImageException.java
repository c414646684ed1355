package cloud.agora.functions.domain.bundle;

import cloud.agora.oci.ImageRejectedException;
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

    /** 413 {@code image-too-large}: the archive is larger than the governed largest. */
    public static InvalidImageException tooLarge(String detail, Map<String, ?> ids) {
        return new InvalidImageException(413, "image-too-large", "The image is too large", detail, ids);
    }

    /** What the image checks refused: 413 when it unpacks to more than allowed, else 422, with their type and title. */
    public static InvalidImageException rejected(ImageRejectedException e) {
        int status = e.problem() == ImageRejectedException.Problem.TOO_LARGE ? 413 : 422;
        return new InvalidImageException(status, e.slug(), e.problem().title(), e.getMessage(), Map.of());
    }
}
