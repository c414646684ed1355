package cloud.agora.agent.auth;

import cloud.agora.agent.problem.RejectedException;

/** A sign-in or provider-only request refused: malformed (400), not issued here or badly signed (401), not the provider (403). */
public class SignInRefusedException extends RejectedException {

    public SignInRefusedException(int status, String slug, String title, String detail) {
        super(status, slug, title, detail, null);
    }
}
