package cloud.agora.storage.api;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.InvalidCidException;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.StorageNotPaidException;
import cloud.agora.storage.domain.pin.InvalidPinRequestException;
import cloud.agora.storage.domain.pin.PinNotFoundException;
import cloud.agora.storage.domain.pin.PinPage;
import cloud.agora.storage.domain.pin.PinQuery;
import cloud.agora.storage.domain.pin.PinRegistrar;
import cloud.agora.storage.domain.pin.PinRequest;
import cloud.agora.storage.domain.pin.PinState;
import cloud.agora.storage.integration.kubo.KuboException;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.billing.BillingUnavailableException;
import cloud.agora.support.problem.ProblemResponses;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The IPFS Pinning Service API (v1.0.0 of ipfs/pinning-services-api-spec): the bearer token is
 * the platform's access token, and each pin request belongs to the caller that made it.
 */
@Path("/pins")
@SignedIn
@PinningApi
@Produces(MediaType.APPLICATION_JSON)
public class PinResource {

    /** The spec's Pin object. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PinBody(String cid, String name, List<String> origins, Map<String, String> meta) {
    }

    /** The spec's PinStatus object. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PinStatusView(String requestid, String status, String created, PinBody pin, List<String> delegates,
            Map<String, String> info) {
    }

    /** The spec's PinResults object. */
    public record PinResultsView(int count, List<PinStatusView> results) {
    }

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final PinRegistrar registrar;
    private final Caller caller;
    private final StorageConfig config;
    private final ObjectMapper json;

    public PinResource(PinRegistrar registrar, Caller caller, StorageConfig config, ObjectMapper json) {
        this.registrar = registrar;
        this.caller = caller;
        this.config = config;
        this.json = json;
    }

    /** Lists the caller's pins (only pinned ones unless {@code status} says otherwise), newest first. */
    @GET
    @ProblemResponses({InvalidPinRequestException.class, InvalidCidException.class})
    public PinResultsView list(@QueryParam("cid") List<String> cids, @QueryParam("name") String name,
            @QueryParam("match") String match, @QueryParam("status") List<String> statuses,
            @QueryParam("before") String before, @QueryParam("after") String after,
            @QueryParam("limit") String limit, @QueryParam("meta") String meta) {
        Set<String> cidSet = new LinkedHashSet<>();
        for (String cid : split(cids)) {
            cidSet.add(parseCid(cid).toString());
        }
        Set<PinState> states = EnumSet.noneOf(PinState.class);
        split(statuses).forEach(s -> states.add(PinState.fromWire(s)));
        PinQuery query = new PinQuery(cidSet, name, PinQuery.Match.fromWire(match), states, time("before", before),
                time("after", after), limit(limit), meta(meta));
        PinPage page = registrar.list(caller.address(), query);
        return new PinResultsView(page.count(), page.results().stream().map(this::view).toList());
    }

    /** Queues a new pin request. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ProblemResponses({InvalidPinRequestException.class, InvalidCidException.class, StorageNotPaidException.class,
            BillingUnavailableException.class})
    public Response add(@HeaderParam("Authorization") String authorization, PinBody body) {
        return Response.accepted(view(registrar.add(caller.address(), bearer(authorization), spec(body)))).build();
    }

    /** The caller's pin request and its status. */
    @GET
    @Path("/{requestid}")
    @ProblemResponses({PinNotFoundException.class, InvalidPinRequestException.class, InvalidCidException.class})
    public PinStatusView get(@PathParam("requestid") String requestId) {
        return view(registrar.get(caller.address(), requestId));
    }

    /** Replaces a pin request by a new one (new requestid). */
    @POST
    @Path("/{requestid}")
    @Consumes(MediaType.APPLICATION_JSON)
    @ProblemResponses({PinNotFoundException.class, InvalidPinRequestException.class, InvalidCidException.class,
            StorageNotPaidException.class, BillingUnavailableException.class})
    public Response replace(@HeaderParam("Authorization") String authorization, @PathParam("requestid") String requestId,
            PinBody body) {
        return Response.accepted(view(registrar.replace(caller.address(), bearer(authorization), requestId, spec(body))))
                .build();
    }

    /** Removes a pin request. */
    @DELETE
    @Path("/{requestid}")
    @ProblemResponses({PinNotFoundException.class, InvalidPinRequestException.class, InvalidCidException.class,
            KuboException.class})
    public Response remove(@PathParam("requestid") String requestId) {
        registrar.remove(caller.address(), requestId);
        return Response.accepted().build();
    }

    /** The token of a signed-in request's {@code Authorization: Bearer <token>} (the filter has checked it). */
    private static String bearer(String authorization) {
        return authorization.substring(authorization.indexOf(' ') + 1).strip();
    }

    private PinRequest.PinSpec spec(PinBody body) {
        if (body == null || body.cid() == null) {
            throw new InvalidPinRequestException("a pin needs a cid");
        }
        return new PinRequest.PinSpec(parseCid(body.cid()), body.name(), body.origins(), body.meta());
    }

    private PinStatusView view(PinRequest pin) {
        PinRequest.PinSpec spec = pin.spec();
        return new PinStatusView(pin.requestId().toString(), pin.state().wire(), pin.created().toString(),
                new PinBody(spec.cid().toString(), spec.name(), spec.origins(), spec.meta()),
                config.pins().delegates(), pin.info());
    }

    private static Cid parseCid(String text) {
        try {
            return Cid.parse(text);
        } catch (InvalidCidException e) {
            throw new InvalidPinRequestException(e.getMessage());
        }
    }

    /** Accepts both {@code ?x=a&x=b} (the spec's explode form) and {@code ?x=a,b}. */
    private static List<String> split(List<String> values) {
        return values == null ? List.of()
                : values.stream().flatMap(v -> Arrays.stream(v.split(","))).map(String::strip).filter(v -> !v.isEmpty())
                        .distinct().toList();
    }

    private static Instant time(String parameter, String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidPinRequestException(parameter + " '" + text + "' is not an RFC 3339 timestamp");
        }
    }

    private static int limit(String text) {
        if (text == null) {
            return 10;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new InvalidPinRequestException("limit '" + text + "' is not an integer");
        }
    }

    private Map<String, String> meta(String text) {
        if (text == null) {
            return Map.of();
        }
        try {
            return json.readValue(text, STRING_MAP);
        } catch (Exception e) {
            throw new InvalidPinRequestException("meta must be a JSON object of strings, e.g. {\"app_id\":\"...\"}");
        }
    }
}
