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

/** A token holder in tests: a devnet key that signs in, proposes and signs votes as a wallet would. */
final class Holder {

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

    /** The signature of {@code vote} in {@code domain} by this holder. */
    String sign(Eip712Domain domain, long proposalId, VoteSupport support, String reason) {
        return TypedData.sign(domain, new Vote(BigInteger.valueOf(proposalId), support, reason), signer.key());
    }

    /** Posts a ballot as given (support code, reason, signature, optional claimed voter). */
    static ValidatableResponse ballot(long proposalId, int support, String reason, String signature, String voter) {
        Map<String, Object> body = new HashMap<>();
        body.put("support", support);
        body.put("reason", reason);
        body.put("signature", signature);
        if (voter != null) {
            body.put("voter", voter);
        }
        return given().contentType(ContentType.JSON).body(body).when().post("/api/v1/proposals/" + proposalId + "/votes").then();
    }

    /** Signs and posts a correct vote. */
    ValidatableResponse vote(Eip712Domain domain, long proposalId, VoteSupport support, String reason) {
        return ballot(proposalId, support.code(), reason, sign(domain, proposalId, support, reason), address());
    }

    static ValidatableResponse proposal(long id) {
        return given().when().get("/api/v1/proposals/" + id).then();
    }
}
