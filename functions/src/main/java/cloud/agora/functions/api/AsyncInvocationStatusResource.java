package cloud.agora.functions.api;

import cloud.agora.functions.domain.AsyncInvocation;
import cloud.agora.functions.domain.AsyncInvoker;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;

/** {@code GET /api/v1/invocations/{id}}: an async invocation's status, result or error, for whoever holds the id. */
@Path("/api/v1/invocations")
@Produces(MediaType.APPLICATION_JSON)
public class AsyncInvocationStatusResource {

    private final AsyncInvoker invoker;

    public AsyncInvocationStatusResource(AsyncInvoker invoker) {
        this.invoker = invoker;
    }

    @GET
    @Path("{id}")
    public AsyncInvocation get(@PathParam("id") UUID id) {
        return invoker.get(id);
    }
}
