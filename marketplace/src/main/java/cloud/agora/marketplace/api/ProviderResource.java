package cloud.agora.marketplace.api;

import cloud.agora.protocol.reputation.ReputationView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import cloud.agora.marketplace.domain.AccessDeniedException;
import cloud.agora.marketplace.domain.MarketDesk;
import cloud.agora.marketplace.domain.ProviderRegistrar;
import cloud.agora.marketplace.messaging.LeaseFeed;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.market.Heartbeat;
import cloud.agora.protocol.market.OfferSpec;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.protocol.market.ProviderRegistration;
import cloud.agora.support.auth.Caller;
import cloud.agora.support.auth.SignedIn;
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
    public Response register(ProviderRegistration registration) {
        OfferView provider = registrar.register(caller.address(), registration);
        return Response.status(Response.Status.CREATED).entity(provider).build();
    }

    @GET
    @Path("/{address}")
    public OfferView get(@PathParam("address") Address address) {
        return registrar.offer(address);
    }

    @GET
    @Path("/{address}/reputation")
    @Operation(summary = "One provider's reputation",
            description = "Its score over the governed window marketplace.reputation-window, with the counts behind "
                    + "every figure; 404 provider-not-found for an unknown provider.")
    public ReputationView reputation(@PathParam("address") Address address) {
        return reputation.one(address);
    }

    @PUT
    @Path("/{address}/offer")
    @SignedIn
    public OfferView offer(@PathParam("address") Address address, OfferSpec offer) {
        return registrar.publishOffer(caller.address(), address, offer);
    }

    @POST
    @Path("/{address}/heartbeat")
    @SignedIn
    public OfferView heartbeat(@PathParam("address") Address address, Heartbeat heartbeat) {
        return registrar.heartbeat(caller.address(), address, heartbeat);
    }

    @GET
    @Path("/{address}/leases/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @SignedIn
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
