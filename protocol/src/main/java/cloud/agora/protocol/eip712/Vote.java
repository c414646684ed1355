package cloud.agora.protocol.eip712;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.web3j.crypto.Hash;

/**
 * A token holder's gasless vote: {@code Vote(uint256 proposalId,uint8 support,string reason)} in the
 * "Agora Governance" domain, whose verifying contract is the token that weighs the vote.
 *
 * @param proposalId the proposal voted on (a uint256)
 * @param support    against, for or abstain
 * @param reason     free text, possibly empty, hashed as UTF-8
 */
public record Vote(BigInteger proposalId, VoteSupport support, String reason) implements TypedStruct {

    static final List<Field> FIELDS = List.of(
            new Field("proposalId", "uint256"),
            new Field("support", "uint8"),
            new Field("reason", "string"));

    /** {@code keccak256("Vote(uint256 proposalId,uint8 support,string reason)")}. */
    public static final Bytes32 TYPE_HASH = Bytes32.of(Hash.sha3(
            "Vote(uint256 proposalId,uint8 support,string reason)".getBytes(StandardCharsets.UTF_8)));

    public Vote {
        Objects.requireNonNull(proposalId, "proposalId");
        Objects.requireNonNull(support, "support");
        Objects.requireNonNull(reason, "reason");
        if (proposalId.signum() < 0 || proposalId.bitLength() > 256) {
            throw new IllegalArgumentException("a proposal id is a uint256, got " + proposalId);
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
        return message;
    }

    @Override
    public Bytes32 hashStruct() {
        return Bytes32.of(Hash.sha3(AbiWords.concat(
                TYPE_HASH.toBytes(),
                AbiWords.uint256(proposalId),
                AbiWords.uint256(BigInteger.valueOf(support.code())),
                Hash.sha3(reason.getBytes(StandardCharsets.UTF_8)))));
    }
}
