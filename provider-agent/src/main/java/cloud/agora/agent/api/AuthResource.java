package cloud.agora.agent.api;

import cloud.agora.agent.auth.ProviderSignIn;
import cloud.agora.agent.auth.SignInRefusedException;
import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInExchange.Challenge;
import cloud.agora.protocol.auth.SignInExchange.ChallengeRequest;
import cloud.agora.protocol.auth.SignInExchange.TokenRequest;
import cloud.agora.protocol.auth.SiweMessage;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Sign-In with Ethereum for this agent's provider, the same requests and answers as the platform's services
 * ({@code agora cli login} works): a challenge to sign, then a token for the signature. Other addresses are refused
 * (403 {@code not-this-provider}).
 */
@Path("/api/v1/auth")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    private final ProviderSignIn signIn;

    public AuthResource(ProviderSignIn signIn) {
        this.signIn = signIn;
    }

    /** A message for the provider's address to sign. */
    @POST
    @Path("/challenge")
    public Challenge challenge(ChallengeRequest request) {
        if (request == null || request.address() == null) {
            throw invalid("the body must name the address signing in: {\"address\": \"0x...\"}");
        }
        SiweMessage message = signIn.challenge(request.address());
        return new Challenge(message.toText(), message.expirationTime());
    }

    /** A token for the provider's signed challenge. */
    @POST
    @Path("/token")
    public AccessTokens.IssuedToken token(TokenRequest request) {
        if (request == null || request.message() == null || request.signature() == null) {
            throw invalid("the body must hold the signed message and its signature");
        }
        return signIn.signIn(request.message(), request.signature());
    }

    private static SignInRefusedException invalid(String detail) {
        return new SignInRefusedException(400, "invalid-sign-in", "The sign-in request is invalid", detail);
    }
}
