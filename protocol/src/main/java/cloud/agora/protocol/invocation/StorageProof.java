package cloud.agora.protocol.invocation;

/**
 * A provider's answer to a {@link StorageChallenge}: the audited block's CID, the nonce, and the proof,
 * {@code hex(sha256(block ‖ nonce))}, which only a holder of the block can compute.
 */
public record StorageProof(String cid, String nonce, String proof) {
}
