package cloud.agora.functions.api;

/** The caller's access token, forwarded to the services that act on the developer's behalf. */
final class Tokens {

    private Tokens() {
    }

    /** The token of an {@code Authorization: Bearer} header the sign-in filter already accepted. */
    static String bearer(String authorization) {
        return authorization.substring("Bearer ".length()).strip();
    }
}
