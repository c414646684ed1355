package cloud.agora.storage.api;

import cloud.agora.ipld.InvalidCidException;
import cloud.agora.support.problem.Problem;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A CID that does not parse (from the shared {@code ipld} library) is this gateway's {@code invalid-cid} problem. */
public class CidProblems {

    @ServerExceptionMapper
    public Response invalidCid(InvalidCidException e, UriInfo uri) {
        return Problem.of(400, "invalid-cid", "The CID is not valid", e.getMessage(), uri.getRequestUri().getRawPath(),
                Map.of("cid", e.cid()))
                .toResponse();
    }
}
