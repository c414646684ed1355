package cloud.agora.launcher;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * The site sign-in messages name (EIP-4361): the authority of the URL users reach the platform at, and that URL. A
 * wallet shows both and warns when they are not the site asking for the signature, so a platform reached at another
 * address than {@code localhost} must say so ({@code --public-url}).
 *
 * @param domain the URL's authority: host, and port when it has one
 * @param uri    the URL
 */
record SignInSite(String domain, String uri) {

    /** The site of {@code url}: an absolute http or https URL with a host. */
    static SignInSite of(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("--public-url must be an http or https URL with a host, not " + url);
        }
        String domain = url.getHost().toLowerCase(Locale.ROOT) + (url.getPort() == -1 ? "" : ":" + url.getPort());
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        return new SignInSite(domain, scheme + "://" + domain + (path.equals("/") ? "" : path));
    }

    /** The services' configuration of it. */
    Map<String, String> env() {
        return Map.of("AGORA_AUTH_DOMAIN", domain, "AGORA_AUTH_URI", uri);
    }
}
