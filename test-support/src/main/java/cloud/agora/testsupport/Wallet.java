package cloud.agora.testsupport;

import static io.restassured.RestAssured.given;

import cloud.agora.protocol.auth.SignInExchange;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.JsonCodec;
import io.restassured.http.ContentType;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A test user with an Ethereum key who signs in to a service the way a wallet would: asks for
 * the EIP-4361 challenge, signs it with personal_sign, exchanges it for an access token.
 */
public final class Wallet {

    private final ECKeyPair key;
    private final Address address;

    private Wallet(ECKeyPair key) {
        this.key = key;
        this.address = PersonalSignature.addressOf(key);
    }

    /** A wallet with a fresh random key. */
    public static Wallet random() {
        try {
            return new Wallet(Keys.createEcKeyPair());
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException | NoSuchProviderException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Wallet of(ECKeyPair key) {
        return new Wallet(key);
    }

    public Address address() {
        return address;
    }

    public ECKeyPair key() {
        return key;
    }

    /** Signs in to the service RestAssured points at and returns the bearer token. */
    public String signIn() {
        String message = given().contentType(ContentType.JSON).body(JsonCodec.write(new SignInExchange.ChallengeRequest(address)))
                .when().post("/api/v1/auth/challenge")
                .then().statusCode(200).extract().path("message");
        return given().contentType(ContentType.JSON)
                .body(JsonCodec.write(new SignInExchange.TokenRequest(message, PersonalSignature.sign(message, key))))
                .when().post("/api/v1/auth/token")
                .then().statusCode(200).extract().path("token");
    }
}
