package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Workload;
import java.time.Instant;

/**
 * A container the {@link WarmPool} keeps between calls of one function: an exec-mode {@link WarmContainer} or an
 * HTTP-mode {@link HttpContainer}. One call at a time.
 */
abstract class PooledContainer {

    /** When it last became idle. */
    Instant idleSince;
    /** Set when it must not serve another call (it is removed when released). */
    boolean broken;

    /**
     * Runs one call; marks the container broken when it must not be reused.
     *
     * @param reused whether an earlier call ran in it
     */
    abstract InvocationResult invoke(Workload workload, InvocationRequest request, boolean reused);

    /** Kills and removes the container. */
    abstract void destroy();
}
