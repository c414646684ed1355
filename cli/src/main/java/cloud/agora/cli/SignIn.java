package cloud.agora.cli;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.auth.SignInExchange;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import java.io.IOException;
import org.web3j.crypto.ECKeyPair;

/** Sign-in with Ethereum against a service: challenge, personal_sign, bearer token. */
public final class SignIn {

    private SignIn() {
    }

    /** A bearer token of {@code url}'s service for {@code key}'s address. */
    public static String token(String url, ECKeyPair key) throws IOException, InterruptedException {
        String base = Api.base(url);
        String message = JsonCodec.read(Api.send("POST", base + "/api/v1/auth/challenge", null,
                new SignInExchange.ChallengeRequest(PersonalSignature.addressOf(key))), SignInExchange.Challenge.class).message();
        return JsonCodec.read(Api.send("POST", base + "/api/v1/auth/token", null,
                new SignInExchange.TokenRequest(message, PersonalSignature.sign(message, key))), AccessTokens.IssuedToken.class)
                .token();
    }
}
