package cloud.agora.protocol.market;

/**
 * The body of {@code POST /api/v1/leases/{id}/close} at the marketplace, sent by either party of the lease.
 *
 * @param reason why the lease ends (optional; the marketplace records it and reputation reads it)
 */
public record LeaseClose(String reason) {
}
