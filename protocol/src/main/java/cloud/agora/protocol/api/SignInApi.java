package cloud.agora.protocol.api;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInExchange;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Sign-In with Ethereum (EIP-4361) as every Agora service and every provider agent serve it: a challenge for the
 * address, its {@code personal_sign} signature, then a bearer token. Problems: 400 {@code invalid-sign-in}, 401
 * {@code sign-in-rejected}.
 */
@Path("/api/v1/auth")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface SignInApi {

    /** An EIP-4361 message for {@code request.address()} to sign. */
    @POST
    @Path("/challenge")
    SignInExchange.Challenge challenge(SignInExchange.ChallengeRequest request);

    /** A bearer token for a signed challenge. */
    @POST
    @Path("/token")
    AccessTokens.IssuedToken token(SignInExchange.TokenRequest request);
}
