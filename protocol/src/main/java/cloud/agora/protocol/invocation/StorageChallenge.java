package cloud.agora.protocol.invocation;

/**
 * A storage audit, the body of {@code POST /api/v1/storage/leases/{leaseId}/challenges} at a provider's agent: prove that the
 * block {@code cid} is held, by hashing it with a fresh nonce. Sent by the storage gateway under its
 * {@link StorageGrant}.
 *
 * @param cid   the stored block's CID
 * @param nonce 32 fresh random bytes, in hex
 */
public record StorageChallenge(String cid, String nonce) {
}
