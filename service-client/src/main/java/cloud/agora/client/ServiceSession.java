package cloud.agora.client;

import cloud.agora.protocol.api.SignInApi;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInExchange;
import cloud.agora.protocol.eth.PersonalSignature;
import jakarta.ws.rs.WebApplicationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.web3j.crypto.ECKeyPair;

/**
 * A key's account signed in at one service with Sign-In with Ethereum ({@link SignInApi}: challenge →
 * {@code personal_sign} → token). The token is kept until 30 s before it expires; a call answered 401 (a token the
 * service forgot, e.g. after its restart) signs in again and is sent once more.
 */
public final class ServiceSession {

    private static final Duration SIGN_IN_TIMEOUT = Duration.ofSeconds(10);
    /** Sign in again this long before the token expires. */
    private static final Duration MARGIN = Duration.ofSeconds(30);

    private final SignInApi signIn;
    private final ECKeyPair key;
    private final Clock clock;
    private String token;
    private Instant expiresAt = Instant.EPOCH;

    /** A session of {@code key}'s account at the service at {@code baseUrl}, timing its token by {@code clock}. */
    public ServiceSession(String baseUrl, ECKeyPair key, Clock clock) {
        this.signIn = RestClients.of(SignInApi.class, baseUrl, SIGN_IN_TIMEOUT);
        this.key = key;
        this.clock = clock;
    }

    /**
     * A valid bearer token, signing in when needed.
     *
     * @throws jakarta.ws.rs.ProcessingException when the service cannot be reached
     * @throws WebApplicationException when it answers the sign-in with a server error (5xx)
     * @throws SignInRefusedException when it refuses the sign-in (4xx)
     */
    public synchronized String token() {
        if (token == null || !clock.instant().isBefore(expiresAt.minus(MARGIN))) {
            try {
                String message = signIn.challenge(
                        new SignInExchange.ChallengeRequest(PersonalSignature.addressOf(key))).message();
                AccessTokens.IssuedToken issued = signIn.token(
                        new SignInExchange.TokenRequest(message, PersonalSignature.sign(message, key)));
                token = issued.token();
                expiresAt = issued.expiresAt();
            } catch (WebApplicationException e) {
                if (RestClients.status(e) >= 500) {
                    throw e; // the service is failing, not refusing this account
                }
                throw new SignInRefusedException(RestClients.status(e), "sign-in refused: " + RestClients.status(e)
                        + " " + RestClients.body(e, 300));
            }
        }
        return token;
    }

    /** Forgets the token: the next call signs in again. */
    public synchronized void invalidate() {
        token = null;
        expiresAt = Instant.EPOCH;
    }

    /**
     * Makes {@code call} with {@code Bearer <token>} as its {@code Authorization}; on a 401 signs in again and makes it
     * once more.
     *
     * @throws WebApplicationException the service's refusal (a second 401 included) or its server error
     * @throws jakarta.ws.rs.ProcessingException when the service cannot be reached or does not answer in time
     * @throws SignInRefusedException when it refuses the sign-in (4xx)
     */
    public <T> T call(Function<String, T> call) {
        try {
            return call.apply("Bearer " + token());
        } catch (WebApplicationException e) {
            if (RestClients.status(e) != 401) {
                throw e;
            }
            invalidate();
        }
        return call.apply("Bearer " + token());
    }

    /** The service refused to sign the account in (a 4xx to the challenge or the token). */
    public static final class SignInRefusedException extends RuntimeException {
        private final int status;

        SignInRefusedException(int status, String message) {
            super(message);
            this.status = status;
        }

        /** The status the service answered. */
        public int status() {
            return status;
        }
    }
}
