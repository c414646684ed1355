package cloud.agora.oci;

/**
 * Why an image archive was refused. Nothing of a refused image is ever unpacked. The {@link Problem} gives a
 * stable slug for problem responses ({@code image-invalid}, {@code image-too-large}, {@code image-unsupported}); the
 * message is a human detail naming the blob or entry concerned.
 */
public final class ImageRejectedException extends Exception {

    /** The kinds of refusal, each with its problem slug and title. */
    public enum Problem {
        /** Malformed, inconsistent (a digest, size or diff_id that does not match) or unsafe content. */
        INVALID("image-invalid", "Image invalid"),
        /** Over a limit: archive bytes, unpacked bytes or entries. */
        TOO_LARGE("image-too-large", "Image too large"),
        /** Well-formed but not something this code runs: zstd layers, another platform, another digest algorithm. */
        UNSUPPORTED("image-unsupported", "Image unsupported");

        private final String slug;
        private final String title;

        Problem(String slug, String title) {
            this.slug = slug;
            this.title = title;
        }

        public String slug() {
            return slug;
        }

        public String title() {
            return title;
        }
    }

    private final Problem problem;

    public ImageRejectedException(Problem problem, String detail) {
        super(detail);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** The problem slug, e.g. {@code image-invalid}. */
    public String slug() {
        return problem.slug();
    }

    static ImageRejectedException invalid(String detail) {
        return new ImageRejectedException(Problem.INVALID, detail);
    }

    static ImageRejectedException tooLarge(String detail) {
        return new ImageRejectedException(Problem.TOO_LARGE, detail);
    }

    static ImageRejectedException unsupported(String detail) {
        return new ImageRejectedException(Problem.UNSUPPORTED, detail);
    }

    /** {@code s} quoted for a detail: control characters shown as {@code ?}, cut at 160 characters. */
    static String quoted(String s) {
        if (s == null) {
            return "''";
        }
        String shown = s.replaceAll("\\p{Cntrl}", "?");
        return "'" + (shown.length() > 160 ? shown.substring(0, 160) + "…" : shown) + "'";
    }
}
