package cloud.agora.support.problem;

/**
 * One kind of problem response as the code builds it: its status, and its slug and title when the code names them
 * with constants ({@code null} when they are computed, e.g. passed through from another library's error).
 */
public record ProblemKind(int status, String slug, String title) {

    public static ProblemKind of(PlatformProblem problem) {
        return new ProblemKind(problem.status(), problem.slug(), problem.title());
    }

    /** {@code urn:agora:problem:<slug>}, or null when the slug is computed. */
    public String type() {
        return slug == null ? null : Problem.TYPE_PREFIX + slug;
    }

    @Override
    public String toString() {
        return status + " " + (slug == null ? "(computed type)" : slug);
    }
}
