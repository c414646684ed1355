package function;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** An Agora function in HTTP mode: answers each call with "hello " and the request body. */
@Path("/")
public class Hello {

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_PLAIN)
    public String hello(String body) {
        return "hello " + body;
    }
}
