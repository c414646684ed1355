package cloud.agora.protocol.governance;

import java.math.BigInteger;

/**
 * A signed vote as submitted to governance (POST /api/v1/proposals/{id}/votes): the fields of the EIP-712 {@code Vote} (the proposal id is the path's) and the
 * signature over them in the proposal's domain.
 *
 * @param support   0 against, 1 for, 2 abstain
 * @param reason    free text, possibly empty (exactly as signed)
 * @param nonce     the voter's ordering number, signed with the vote (a uint256, as a JSON integer):
 *                  a vote replaces the voter's counted one only with a strictly greater nonce
 * @param signature 0x r‖s‖v, 65 bytes, as {@code eth_signTypedData_v4} returns it
 * @param voter     optional: the address the client believes signed; when given, a signature recovering another
 *                  address is refused as invalid rather than looked up as a voter with no power
 */
public record VoteBallot(Integer support, String reason, BigInteger nonce, String signature, String voter) {
}
