package cloud.agora.agent.invocation;

import cloud.agora.agent.problem.RejectedException;
import java.util.UUID;

/** A call the agent refuses before running anything; becomes an RFC 9457 problem naming the invocation. */
public class InvocationRejectedException extends RejectedException {

    public InvocationRejectedException(int status, String slug, String title, String detail, UUID invocationId) {
        super(status, slug, title, detail, invocationId);
    }
}
