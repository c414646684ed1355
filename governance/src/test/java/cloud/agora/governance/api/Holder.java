package cloud.agora.governance.api;

import static io.restassured.RestAssured.given;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.testsupport.Wallet;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A token holder in tests: a devnet key that signs in, proposes and signs votes as a wallet would. */
final class Holder {

    /** The nonce of {@link #sign(Eip712Domain, long, VoteSupport, String)} and the 5-argument {@link #ballot}. */
    static final BigInteger NONCE = BigInteger.ONE;

    /** Nonces of {@link #vote}: growing, as a wallet using the time in milliseconds would make them. */
    private static final AtomicLong NONCES = new AtomicLong(System.currentTimeMillis());

    final Signer signer;
    private String token;

    Holder(Signer signer) {
        this.signer = signer;
    }

    String address() {
        return signer.address().checksummed();
    }

    private String token() {
        if (token == null) {
            token = Wallet.of(signer.key()).signIn();
        }
        return token;
    }

    ValidatableResponse propose(Object body) {
        return given().auth().oauth2(token()).contentType(ContentType.JSON).body(body).when().post("/api/v1/proposals").then();
    }

    /** Proposes {@code changes} (parameter → value) and returns the proposal id. */
    long proposeChanges(Map<String, String> changes) {
        List<Map<String, String>> list = changes.entrySet().stream()
                .map(e -> Map.of("parameter", e.getKey(), "value", e.getValue())).toList();
        return propose(Map.of("title", "change " + changes.keySet(), "description", "test", "changes", list))
                .statusCode(201).extract().jsonPath().getLong("id");
    }

    /** The signature of the vote in {@code domain} by this holder, with nonce {@link #NONCE}. */
    String sign(Eip712Domain domain, long proposalId, VoteSupport support, String reason) {
        return sign(domain, proposalId, support, reason, NONCE);
    }

    /** The signature of the vote in {@code domain} by this holder. */
    String sign(Eip712Domain domain, long proposalId, VoteSupport support, String reason, BigInteger nonce) {
        return TypedData.sign(domain, new Vote(BigInteger.valueOf(proposalId), support, reason, nonce), signer.key());
    }

    /** Posts a ballot as given with nonce {@link #NONCE} (support code, reason, signature, optional claimed voter). */
    static ValidatableResponse ballot(long proposalId, int support, String reason, String signature, String voter) {
        return ballot(proposalId, support, reason, NONCE, signature, voter);
    }

    /** Posts a ballot as given (support code, reason, nonce (omitted when null), signature, optional claimed voter). */
    static ValidatableResponse ballot(long proposalId, int support, String reason, Object nonce, String signature, String voter) {
        Map<String, Object> body = new HashMap<>();
        body.put("support", support);
        body.put("reason", reason);
        if (nonce != null) {
            body.put("nonce", nonce);
        }
        body.put("signature", signature);
        if (voter != null) {
            body.put("voter", voter);
        }
        return given().contentType(ContentType.JSON).body(body).when().post("/api/v1/proposals/" + proposalId + "/votes").then();
    }

    /** Signs and posts a correct vote with a nonce greater than any this test run used before. */
    ValidatableResponse vote(Eip712Domain domain, long proposalId, VoteSupport support, String reason) {
        return vote(domain, proposalId, support, reason, BigInteger.valueOf(NONCES.incrementAndGet()));
    }

    /** Signs and posts a correct vote with {@code nonce}. */
    ValidatableResponse vote(Eip712Domain domain, long proposalId, VoteSupport support, String reason, BigInteger nonce) {
        return ballot(proposalId, support.code(), reason, nonce, sign(domain, proposalId, support, reason, nonce), address());
    }

    static ValidatableResponse proposal(long id) {
        return given().when().get("/api/v1/proposals/" + id).then();
    }
}
