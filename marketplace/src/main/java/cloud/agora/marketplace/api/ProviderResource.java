package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.AccessDeniedException;
import cloud.agora.marketplace.domain.InvalidOfferException;
import cloud.agora.marketplace.domain.InvalidProviderException;
import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.marketplace.domain.ProviderNotFoundException;
import cloud.agora.marketplace.domain.ProviderRegistrar;
import cloud.agora.marketplace.messaging.LeaseFeed;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.protocol.reputation.ReputationView;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
import cloud.agora.support.problem.ProblemResponses;
import cloud.agora.support.writer.NotTheWriterException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Providers join, publish offers, heartbeat and follow their leases. */
@Path("/api/v1/providers")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ProviderResource {

    private final ProviderRegistrar registrar;
    private final MarketDesk desk;
    private final LeaseFeed feed;
    private final Caller caller;
    private final ReputationResource reputation;

    public ProviderResource(ProviderRegistrar registrar, MarketDesk desk, LeaseFeed feed, Caller caller,
            ReputationResource reputation) {
        this.reputation = reputation;
        this.registrar = registrar;
        this.desk = desk;
        this.feed = feed;
        this.caller = caller;
    }

    @POST
    @SignedIn
    @ProblemResponses({InvalidProviderException.class, AccessDeniedException.class, ProviderNotFoundException.class,
            NotTheWriterException.class})
    public Response register(ProviderRegistration registration) {
        OfferView provider = registrar.register(caller.address(), registration);
        return Response.status(Response.Status.CREATED).entity(provider).build();
    }

    @GET
    @Path("/{address}")
    @ProblemResponses({ProviderNotFoundException.class, NotTheWriterException.class})
    public OfferView get(@PathParam("address") Address address) {
        return registrar.offer(address);
    }

    @GET
    @Path("/{address}/reputation")
    @Operation(summary = "One provider's reputation",
            description = "Its score over the governed window marketplace.reputation-window, with the counts behind "
                    + "every figure; 404 provider-not-found for an unknown provider.")
    @ProblemResponses({ProviderNotFoundException.class})
    public ReputationView reputation(@PathParam("address") Address address) {
        return reputation.one(address);
    }

    @PUT
    @Path("/{address}/offer")
    @SignedIn
    @ProblemResponses({InvalidOfferException.class, AccessDeniedException.class, ProviderNotFoundException.class,
            NotTheWriterException.class})
    public OfferView offer(@PathParam("address") Address address, OfferSpec offer) {
        return registrar.publishOffer(caller.address(), address, offer);
    }

    @POST
    @Path("/{address}/heartbeat")
    @SignedIn
    @ProblemResponses({AccessDeniedException.class, ProviderNotFoundException.class, NotTheWriterException.class})
    public OfferView heartbeat(@PathParam("address") Address address, Heartbeat heartbeat) {
        return registrar.heartbeat(caller.address(), address, heartbeat);
    }

    @GET
    @Path("/{address}/leases/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SignedIn
    @ProblemResponses({AccessDeniedException.class, ProviderNotFoundException.class, NotTheWriterException.class})
    public void stream(@PathParam("address") Address address, @Context SseEventSink sink, @Context Sse sse) {
        Address me = caller.address();
        if (!address.equals(me)) {
            throw new AccessDeniedException("lease stream of", address, me);
        }
        registrar.offer(address);
        desk.query((book, now) -> {
            feed.subscribe(address, sink, sse, book.activeLeasesOf(address).stream()
                    .map(l -> l.view(book.registered(address).orElseThrow().endpoint())).toList());
            return null;
        });
    }
}
