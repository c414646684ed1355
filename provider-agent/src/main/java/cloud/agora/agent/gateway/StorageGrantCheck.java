package cloud.agora.agent.gateway;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.GrantVerifier.Rejection;
import cloud.agora.protocol.invocation.StorageGrant;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/**
 * Admits a storage-role request only with {@code Authorization: Agora-Grant <token>} of a trusted storage gateway for
 * this provider and exactly the lease in the path, within its validity. Storage grants are reusable while valid (the
 * operations are idempotent and bounded to one lease), so nothing is remembered between requests.
 */
public final class StorageGrantCheck {

    private static final String PREFIX = StorageGrant.SCHEME + " ";

    private final GatewayTrust trust;
    private final Address provider;
    private final Clock clock;

    public StorageGrantCheck(GatewayTrust trust, Address provider, Clock clock) {
        this.trust = trust;
        this.provider = provider;
        this.clock = clock;
    }

    /**
     * Why a request with this {@code Authorization} header to {@code leasePath}'s storage is refused, if it is.
     *
     * @param leasePath the lease id as it appears in the path (possibly not a UUID)
     */
    public Optional<Rejection> check(String authorization, String leasePath) {
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return Optional.of(new Rejection(Rejection.MISSING,
                    "send 'Authorization: " + StorageGrant.SCHEME + " <token>' with the storage gateway's grant for this lease"));
        }
        StorageGrant grant;
        try {
            grant = StorageGrant.fromToken(authorization.substring(PREFIX.length()).strip());
        } catch (IllegalArgumentException e) {
            return Optional.of(new Rejection(Rejection.FORGED, e.getMessage()));
        }
        if (trust.storage().isEmpty()) {
            return Optional.of(new Rejection(Rejection.FORGED, "this agent trusts no storage gateway key yet "
                    + "(agent.gateways.storage is unset and the marketplace has not been read)"));
        }
        UUID lease = null;
        try {
            lease = UUID.fromString(leasePath);
        } catch (IllegalArgumentException e) {
            // checked below, after the signature: an unauthenticated caller learns nothing from the path
        }
        Optional<Rejection> rejection = trust.storageGrants().check(grant, provider, lease, clock.instant());
        if (rejection.isPresent() || lease != null) {
            return rejection;
        }
        return Optional.of(new Rejection(Rejection.MISMATCH, "the path names no lease id: " + leasePath));
    }
}
