package cloud.agora.support.auth;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.InvalidSiweMessageException;
import cloud.agora.protocol.auth.SignInExchange.Challenge;
import cloud.agora.protocol.auth.SignInExchange.ChallengeRequest;
import cloud.agora.protocol.auth.SignInExchange.TokenRequest;
import cloud.agora.protocol.auth.SignInRejectedException;
import cloud.agora.protocol.auth.SiweMessage;
import cloud.agora.support.problem.ProblemException;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** Sign-in with Ethereum: a challenge to sign, then a token for the signature. */
@Path("/api/v1/auth")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    private final SignInService signIn;

    public AuthResource(SignInService signIn) {
        this.signIn = signIn;
    }

    /** An EIP-4361 message for the address to sign with {@code personal_sign}. */
    @POST
    @Path("/challenge")
    @ProblemResponses({SignInInvalidException.class})
    public Challenge challenge(ChallengeRequest request) {
        if (request == null || request.address() == null) {
            throw new SignInInvalidException("the body must name the address signing in: {\"address\": \"0x...\"}");
        }
        SiweMessage message = signIn.challenge(request.address());
        return new Challenge(message.toText(), message.expirationTime());
    }

    /** A token for a signed challenge. */
    @POST
    @Path("/token")
    @ProblemResponses({SignInInvalidException.class, SignInRefusedException.class})
    public AccessTokens.IssuedToken token(TokenRequest request) {
        if (request == null || request.message() == null || request.signature() == null) {
            throw new SignInInvalidException("the body must hold the signed message and its signature");
        }
        try {
            return signIn.signIn(request.message(), request.signature());
        } catch (InvalidSiweMessageException e) {
            throw new SignInInvalidException("not an EIP-4361 message: " + e.getMessage());
        } catch (SignInRejectedException e) {
            throw new SignInRefusedException(e.getMessage());
        }
    }

    static class SignInInvalidException extends ProblemException {
        SignInInvalidException(String detail) {
            super(400, "invalid-sign-in", "The sign-in request is invalid", detail, Map.of());
        }
    }

    static class SignInRefusedException extends ProblemException {
        SignInRefusedException(String detail) {
            super(401, "sign-in-rejected", "Sign-in rejected", detail, Map.of());
        }
    }
}
