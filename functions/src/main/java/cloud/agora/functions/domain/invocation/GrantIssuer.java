package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.catalog.FunctionVersion;
import cloud.agora.functions.domain.deployment.Deployment;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * Issues the gateway's {@link InvocationGrant} for one attempt of one call: exactly that invocation, the replica's
 * lease and provider, the lease's owner as consumer, the version's bundle and timeout, valid
 * {@code agora.functions.grant-validity} from now, signed with the {@link GatewayKey}. An agent runs nothing without
 * it, and billing charges only receipts that name it, so every charge traces back to a call this gateway routed.
 * Each attempt on another replica gets its own grant (another lease and provider).
 *
 * <p>Signing runs on the calling thread (the event loop on {@code /fn}: a hand-off to a worker and back costs about as
 * much as a whole signature), with a nonce computed ahead ({@link GatewaySigner}).
 */
@ApplicationScoped
public class GrantIssuer {

    private final GatewaySigner signer;
    private final Duration validity;
    private final Clock clock;

    public GrantIssuer(GatewaySigner signer, FunctionsConfig config, Clock clock) {
        this.signer = signer;
        this.validity = config.grantValidity();
        this.clock = clock;
    }

    /** The signed grant for call {@code invocationId} of {@code version} on {@code replica}, paid by {@code consumer}. */
    public InvocationGrant issue(UUID invocationId, Deployment.Replica replica, String consumer, FunctionVersion version) {
        return InvocationGrant.unsigned(invocationId, replica.leaseId(), Address.parse(replica.provider()),
                Address.parse(consumer), version.bundleCid(), version.timeoutMillis(), clock.instant(), validity)
                .signedBy(signer.signer());
    }
}
