package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.PrecomputedNonceSigner;
import cloud.agora.protocol.invocation.InvocationGrant;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Issues the gateway's {@link InvocationGrant} for one attempt of one call: exactly that invocation, the replica's
 * lease and provider, the lease's owner as consumer, the version's bundle and timeout, valid
 * {@code agora.functions.grant-validity} from now, signed with the {@link GatewayKey}. An agent runs nothing without
 * it, and billing charges only receipts that name it, so every charge traces back to a call this gateway routed.
 * Each attempt on another replica gets its own grant (another lease and provider).
 *
 * <p>Signing runs on the calling thread (the event loop on {@code /fn}: a hand-off to a worker and back costs about as
 * much as a whole signature), and only its cheap end does: the nonce points are computed ahead by a
 * {@link PrecomputedNonceSigner} ({@value #READY_NONCES} kept ready, topped up on a Vert.x worker thread once half are
 * used), so a grant costs two modular multiplications on the call path instead of a curve multiplication (0.075 ms).
 * With no nonce ready (a burst larger than the reserve) a grant is signed whole, as before.
 */
@ApplicationScoped
public class GrantIssuer {

    /** Nonce points kept ready: a few seconds of calls at the rates two cores serve. */
    static final int READY_NONCES = 512;

    private final PrecomputedNonceSigner signer;
    private final Duration validity;
    private final Clock clock;
    private final Vertx vertx;
    private final AtomicBoolean refilling = new AtomicBoolean();

    public GrantIssuer(GatewayKey key, FunctionsConfig config, Clock clock, Vertx vertx) {
        this.signer = new PrecomputedNonceSigner(key.pair(), READY_NONCES, new SecureRandom());
        this.validity = config.grantValidity();
        this.clock = clock;
        this.vertx = vertx;
        refillLater();
    }

    /** The signed grant for call {@code invocationId} of {@code version} on {@code replica}, paid by {@code consumer}. */
    public InvocationGrant issue(UUID invocationId, Deployment.Replica replica, String consumer, FunctionVersion version) {
        InvocationGrant grant = InvocationGrant.unsigned(invocationId, replica.leaseId(), Address.parse(replica.provider()),
                Address.parse(consumer), version.bundleCid(), version.timeoutMillis(), clock.instant(), validity)
                .signedBy(signer);
        if (signer.wantsRefill()) {
            refillLater();
        }
        return grant;
    }

    /** Tops the ready nonces up on a worker thread, one top-up at a time. */
    private void refillLater() {
        if (!refilling.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(() -> {
            try {
                signer.refill();
            } finally {
                refilling.set(false);
            }
            return null;
        }, false);
    }
}
