package cloud.agora.governance.domain;

import cloud.agora.protocol.eip712.VoteSupport;
import java.math.BigInteger;
import java.time.Instant;

/**
 * A counted vote as stored: what was signed, the signature, and the weight read at the snapshot, so that anyone
 * can re-verify it against the token's domain and re-read the weight.
 *
 * @param nonce the voter's nonce, signed with the vote; null for a vote stored before votes carried one (signed as
 *              {@code Vote(uint256 proposalId,uint8 support,string reason)}: a recount lists it, it cannot re-verify it)
 */
public record CastVote(long proposalId, String voter, VoteSupport support, String reason, BigInteger nonce, String signature,
        BigInteger weight, Instant castAt) {
}
