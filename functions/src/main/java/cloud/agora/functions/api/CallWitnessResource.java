package cloud.agora.functions.api;

import cloud.agora.functions.domain.recording.CallWitnessIssuer;
import cloud.agora.functions.domain.recording.InvocationNotFoundException;
import cloud.agora.functions.domain.recording.ReceiptNotWitnessedException;
import cloud.agora.protocol.dispute.CallWitness;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemException;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /api/v1/invocations/{id}/witness}: the gateway's signed witness of how a call ended, for the owner of the
 * function it belongs to (anyone else gets the 404 of an unknown id) — what billing's {@code POST /api/v1/disputes}
 * takes as evidence.
 */
@Path("/api/v1/invocations/{id}/witness")
@SignedIn
public class CallWitnessResource {

    private final CallWitnessIssuer issuer;
    private final Caller caller;

    public CallWitnessResource(CallWitnessIssuer issuer, Caller caller) {
        this.issuer = issuer;
        this.caller = caller;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @ProblemResponses({InvalidInvocationIdException.class, ReceiptNotWitnessedException.class,
            InvocationNotFoundException.class})
    public CallWitness witness(@PathParam("id") String id) {
        return issuer.witness(caller.address(), invocationId(id));
    }

    /** The id in its canonical form only ({@code UUID.fromString} also takes shortened groups such as 1-2-3-4-5). */
    private static UUID invocationId(String id) {
        try {
            UUID parsed = UUID.fromString(id);
            if (parsed.toString().equalsIgnoreCase(id)) {
                return parsed;
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw new InvalidInvocationIdException(id);
    }

    /** The path's id is not an invocation id. */
    static final class InvalidInvocationIdException extends ProblemException {
        InvalidInvocationIdException(String id) {
            super(400, "invalid-invocation-id", "Not an invocation id", "an invocation id is a UUID such as"
                    + " 3f1c2b9e-7a4d-4c1e-9b2a-5d6e7f8a9b0c, got '" + id + "'", Map.of("invocationId", id));
        }
    }
}
