package cloud.agora.agent.api;

import cloud.agora.agent.gateway.GrantRejectedException;
import cloud.agora.agent.gateway.StorageGrantCheck;
import cloud.agora.protocol.invocation.GrantVerifier.Rejection;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;

/**
 * Admits {@link StorageGranted} requests only with {@code Authorization: Agora-Grant <token>} of a trusted storage
 * gateway for this provider and the path's lease (see {@link StorageGrantCheck}); refused before the body is read, so
 * nothing is stored, read or deleted.
 */
@Provider
@StorageGranted
@Priority(Priorities.AUTHENTICATION)
public class StorageGrantFilter implements ContainerRequestFilter {

    // looked up per request: filters are built at static init, before runtime config mappings exist
    private final Instance<StorageGrantCheck> check;

    public StorageGrantFilter(Instance<StorageGrantCheck> check) {
        this.check = check;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String lease = request.getUriInfo().getPathParameters().getFirst("leaseId");
        Optional<Rejection> rejection = check.get().check(request.getHeaderString(HttpHeaders.AUTHORIZATION), lease);
        rejection.ifPresent(r -> request.abortWith(Problems.response(GrantRejectedException.status(r.reason()), r.reason(),
                GrantRejectedException.title(r.reason()), r.detail(), null)));
    }
}
