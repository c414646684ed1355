package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.domain.deployment.Deployment;
import java.util.concurrent.CompletionStage;

/** Gets a replica for a scaled deployment that has none (scaled to zero) when a call arrives for it. */
public interface ReplicaWaker {

    /**
     * Asks for one replica of {@code deployment} (recorded as a scaling decision, then bid for) unless that is under
     * way; completes once the deployment lists a replica.
     */
    CompletionStage<Void> wake(Deployment deployment);
}
