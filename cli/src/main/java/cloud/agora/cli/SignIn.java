package cloud.agora.cli;

import cloud.agora.protocol.eth.PersonalSignature;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;

/** Sign-in with Ethereum against a service: challenge, personal_sign, bearer token. */
public final class SignIn {

    private SignIn() {
    }

    /** A bearer token of {@code url}'s service for {@code key}'s address. */
    public static String token(String url, ECKeyPair key) throws IOException, InterruptedException {
        String base = Api.base(url);
        JsonNode challenge = Api.json("POST", base + "/api/v1/auth/challenge", null,
                Map.of("address", PersonalSignature.addressOf(key).checksummed()));
        String message = challenge.get("message").asText();
        return Api.json("POST", base + "/api/v1/auth/token", null,
                Map.of("message", message, "signature", PersonalSignature.sign(message, key))).get("token").asText();
    }
}
