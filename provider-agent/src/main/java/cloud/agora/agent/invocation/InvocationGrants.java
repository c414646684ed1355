package cloud.agora.agent.invocation;

import cloud.agora.agent.gateway.GatewayTrust;
import cloud.agora.agent.gateway.GrantRejectedException;
import cloud.agora.agent.lease.LeaseBook;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.GrantVerifier.Rejection;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseView;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Decides whether a call is authorized: the gateway's grant is signed by a trusted functions gateway key, names this
 * provider, is within its validity, and matches the call exactly (invocation, lease, bundle, the held lease's owner as
 * consumer, a timeout no longer than the grant's); the lease is a compute lease this provider holds; and the
 * invocation has neither run nor is running here ({@link InvocationClaims}). The signature is checked first, so a
 * caller without a grant learns nothing about leases or invocations.
 */
public final class InvocationGrants {

    private final GatewayTrust trust;
    private final Address provider;
    private final LeaseBook leases;
    private final InvocationClaims claims;

    public InvocationGrants(GatewayTrust trust, Address provider, LeaseBook leases, InvocationClaims claims) {
        this.trust = trust;
        this.provider = provider;
        this.leases = leases;
        this.claims = claims;
    }

    /**
     * Checks the call's grant and returns the lease it runs under (nothing is claimed yet).
     *
     * @param timeoutMillis the call's own timeout, or null for the grant's
     * @throws GrantRejectedException       for a missing, forged, expired, premature, foreign or mismatched grant
     * @throws InvocationRejectedException  404 {@code lease-not-held} when a valid grant names a lease not held here
     */
    public LeaseView authorize(InvocationGrant grant, UUID invocationId, UUID leaseId, String bundle, Long timeoutMillis,
            Instant now) {
        if (grant != null && trust.functions().isEmpty()) {
            throw new GrantRejectedException(new Rejection(Rejection.FORGED, "this agent trusts no functions gateway key yet "
                    + "(agent.gateways.functions is unset and the marketplace has not been read)"), invocationId);
        }
        Optional<Rejection> rejection = trust.invocationGrants().check(grant, provider, now);
        if (rejection.isPresent()) {
            throw new GrantRejectedException(rejection.get(), invocationId);
        }
        if (!grant.invocationId().equals(invocationId)) {
            throw mismatch("the grant is for invocation " + grant.invocationId() + ", not " + invocationId, invocationId);
        }
        if (!grant.leaseId().equals(leaseId)) {
            throw mismatch("the grant is for lease " + grant.leaseId() + ", not " + leaseId, invocationId);
        }
        if (!Objects.equals(grant.bundle(), bundle)) {
            throw mismatch("the grant is for bundle " + grant.bundle() + ", not " + bundle, invocationId);
        }
        if (timeoutMillis != null && timeoutMillis > grant.timeoutMillis()) {
            throw mismatch("the call asks " + timeoutMillis + " ms, the grant allows " + grant.timeoutMillis() + " ms",
                    invocationId);
        }
        LeaseView lease = leases.find(leaseId).filter(l -> l.kind() != BidKind.STORAGE).orElseThrow(() ->
                new InvocationRejectedException(404, "lease-not-held", "Lease not held",
                        "this provider holds no active compute lease " + leaseId, leaseId));
        if (!grant.consumer().equals(lease.owner())) {
            throw mismatch("the grant names consumer " + grant.consumer() + ", the lease's owner is " + lease.owner(),
                    invocationId);
        }
        return lease;
    }

    /**
     * Claims the call's invocation id for good (see {@link InvocationClaims}); call it last before running.
     *
     * @throws InvocationRejectedException 409 {@code invocation-already-run} when its receipt is journaled
     * @throws GrantRejectedException      409 {@code grant-replayed} when another call holds or held the claim
     */
    public void claim(InvocationGrant grant, Instant now) {
        Optional<InvocationClaims.Refusal> refusal = claims.claim(grant.invocationId(),
                grant.expiresAt().plus(trust.invocationGrants().skew()), now);
        if (refusal.isEmpty()) {
            return;
        }
        if (refusal.get() == InvocationClaims.Refusal.ALREADY_RUN) {
            throw new InvocationRejectedException(409, "invocation-already-run", "Invocation already run",
                    "invocation " + grant.invocationId() + " already ran here; its receipt is journaled", grant.invocationId());
        }
        throw new GrantRejectedException(new Rejection(Rejection.REPLAYED,
                "invocation " + grant.invocationId() + " is running or ran here already"), grant.invocationId());
    }

    /**
     * Refuses to start a call whose grant expired meanwhile (a slow first bundle download): a receipt starting after
     * the grant's window would not be billed.
     */
    public void stillValid(InvocationGrant grant, Instant now) {
        if (now.isAfter(grant.expiresAt().plus(trust.invocationGrants().skew()))) {
            throw new GrantRejectedException(new Rejection(Rejection.EXPIRED,
                    "the grant expired at " + grant.expiresAt() + " before the call could start"), grant.invocationId());
        }
    }

    private static GrantRejectedException mismatch(String detail, UUID invocationId) {
        return new GrantRejectedException(new Rejection(Rejection.MISMATCH, detail), invocationId);
    }
}
