package cloud.agora.protocol.auth;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.web3j.crypto.ECKeyPair;

/**
 * A client signed in at one Agora service with Sign-In with Ethereum (a provider agent, the storage
 * gateway buying storage, any key holder):
 * {@code POST /api/v1/auth/challenge} {@code {address}} → EIP-4361 message →
 * {@code personal_sign} with the key → {@code POST /api/v1/auth/token} →
 * {@code {token, expiresAt}}. The token is kept until 30 s before it expires or until
 * {@link #invalidate()} (after a 401).
 */
public final class SignInSession {

    private final URI base;
    private final Address provider;
    private final ECKeyPair key;
    private final HttpClient http;
    private String token;
    private Instant expiresAt = Instant.EPOCH;

    /** @param base the service's base URL, ending with {@code /} */
    public SignInSession(URI base, Address provider, ECKeyPair key, HttpClient http) {
        this.base = base;
        this.provider = provider;
        this.key = key;
        this.http = http;
    }

    /**
     * A valid bearer token, signing in when needed.
     *
     * @throws UncheckedIOException when the service cannot be reached
     * @throws SignInRefusedException when it refuses the sign-in
     */
    public synchronized String token() {
        if (token == null || Instant.now().isAfter(expiresAt.minusSeconds(30))) {
            HttpResponse<String> challenge = post("api/v1/auth/challenge", new SignInExchange.ChallengeRequest(provider));
            if (challenge.statusCode() / 100 != 2) {
                throw new SignInRefusedException(base + " refused the sign-in challenge: " + challenge.statusCode());
            }
            String message = JsonCodec.read(challenge.body(), SignInExchange.Challenge.class).message();
            HttpResponse<String> issued = post("api/v1/auth/token",
                    new SignInExchange.TokenRequest(message, PersonalSignature.sign(message, key)));
            if (issued.statusCode() / 100 != 2) {
                throw new SignInRefusedException(base + " refused sign-in: " + issued.statusCode() + " " + issued.body());
            }
            AccessTokens.IssuedToken t = JsonCodec.read(issued.body(), AccessTokens.IssuedToken.class);
            token = t.token();
            expiresAt = t.expiresAt();
        }
        return token;
    }

    /**
     * Sends a request of this service with the session's bearer token; on a 401 signs in again and sends it once more
     * (a token the service forgot, e.g. after its restart).
     *
     * @param request the request without its {@code Authorization} header
     * @return the answer (a second 401 included)
     * @throws UncheckedIOException when the service cannot be reached
     */
    public HttpResponse<String> send(HttpRequest.Builder request) {
        HttpResponse<String> response = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                response = http.send(request.copy().header("Authorization", "Bearer " + token()).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot reach " + base + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new IOException("interrupted while calling " + base));
            }
            if (response.statusCode() != 401) {
                return response;
            }
            invalidate();
        }
        return response;
    }

    /** Forgets the token (the service answered 401): the next {@link #token()} signs in again. */
    public synchronized void invalidate() {
        token = null;
        expiresAt = Instant.EPOCH;
    }

    private HttpResponse<String> post(String path, Object body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonCodec.write(body))).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }

    /** The service refused to sign this provider in. */
    public static class SignInRefusedException extends RuntimeException {
        public SignInRefusedException(String message) {
            super(message);
        }
    }
}
