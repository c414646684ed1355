package cloud.agora.governance.domain;

import cloud.agora.protocol.eip712.VoteSupport;
import java.math.BigInteger;
import java.time.Instant;

/**
 * A counted vote as stored: what was signed, the signature, and the weight read at the snapshot, so that anyone
 * can re-verify it against the token's domain and re-read the weight.
 */
public record CastVote(long proposalId, String voter, VoteSupport support, String reason, String signature, BigInteger weight,
        Instant castAt) {
}
