package cloud.agora.protocol.bundle;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Path rules for what may appear inside a function bundle (tar.gz): relative, normal, and never
 * leaving it. Shared by functions (which inspects a bundle before storing it) and the provider
 * agent (which unpacks it).
 */
public final class BundlePaths {

    private BundlePaths() {
    }

    /**
     * Whether {@code path} names something inside the bundle root: not empty, not absolute,
     * no {@code ..} segment, no backslash, NUL or control character.
     */
    public static boolean isSafe(String path) {
        if (path == null || path.isEmpty() || path.length() > 1024 || path.startsWith("/")) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return false;
            }
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** {@code path} without {@code .} and empty segments (safe paths only), e.g. {@code ./a//b/} → {@code a/b}. */
    public static String normal(String path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(segment);
        }
        return out.toString();
    }

    /**
     * Where a symbolic link at {@code linkPath} with {@code target} points, relative to the
     * bundle root, or empty when it points outside (absolute target, or {@code ..} past the root).
     */
    public static Optional<String> resolveLink(String linkPath, String target) {
        if (target == null || target.isEmpty() || target.startsWith("/") || target.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Deque<String> parts = new ArrayDeque<>();
        String[] link = normal(linkPath).split("/");
        for (int i = 0; i < link.length - 1; i++) {
            parts.addLast(link[i]);
        }
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (parts.isEmpty()) {
                    return Optional.empty();
                }
                parts.removeLast();
            } else {
                parts.addLast(segment);
            }
        }
        return Optional.of(String.join("/", parts));
    }
}
