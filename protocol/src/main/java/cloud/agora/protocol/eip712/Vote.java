package cloud.agora.protocol.eip712;

import cloud.agora.protocol.eth.Keccak256;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A token holder's gasless vote: {@code Vote(uint256 proposalId,uint8 support,string reason,uint256 nonce)} in the
 * "Agora Governance" domain, whose verifying contract is the token that weighs the vote.
 *
 * <p>The nonce orders one voter's votes on one proposal: any number the voter makes grow (a timestamp in
 * milliseconds does). A vote replaces the voter's counted one only with a strictly greater nonce, so an older
 * signed vote re-posted after a newer one cannot take its place.
 *
 * @param proposalId the proposal voted on (a uint256)
 * @param support    against, for or abstain
 * @param reason     free text, possibly empty, hashed as UTF-8
 * @param nonce      the voter's ordering number for this vote (a uint256)
 */
public record Vote(BigInteger proposalId, VoteSupport support, String reason, BigInteger nonce) implements TypedStruct {

    static final List<Field> FIELDS = List.of(
            new Field("proposalId", "uint256"),
            new Field("support", "uint8"),
            new Field("reason", "string"),
            new Field("nonce", "uint256"));

    /** The type's encoding, as EIP-712 hashes it. */
    public static final String TYPE = "Vote(uint256 proposalId,uint8 support,string reason,uint256 nonce)";

    /** {@code keccak256("Vote(uint256 proposalId,uint8 support,string reason,uint256 nonce)")}. */
    public static final Bytes32 TYPE_HASH = Bytes32.of(Keccak256.hash(TYPE.getBytes(StandardCharsets.UTF_8)));

    public Vote {
        Objects.requireNonNull(proposalId, "proposalId");
        Objects.requireNonNull(support, "support");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(nonce, "nonce");
        if (proposalId.signum() < 0 || proposalId.bitLength() > 256) {
            throw new IllegalArgumentException("a proposal id is a uint256, got " + proposalId);
        }
        if (nonce.signum() < 0 || nonce.bitLength() > 256) {
            throw new IllegalArgumentException("a vote nonce is a uint256, got " + nonce);
        }
    }

    @Override
    public String typeName() {
        return "Vote";
    }

    @Override
    public List<Field> fields() {
        return FIELDS;
    }

    @Override
    public Map<String, Object> message() {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("proposalId", proposalId.toString());
        message.put("support", support.code());
        message.put("reason", reason);
        message.put("nonce", nonce.toString());
        return message;
    }

    @Override
    public Bytes32 hashStruct() {
        return Bytes32.of(Keccak256.hash(AbiWords.concat(
                TYPE_HASH.toBytes(),
                AbiWords.uint256(proposalId),
                AbiWords.uint256(BigInteger.valueOf(support.code())),
                Keccak256.hash(reason.getBytes(StandardCharsets.UTF_8)),
                AbiWords.uint256(nonce))));
    }
}
