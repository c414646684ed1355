package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.ProviderRegistrar;
import cloud.agora.protocol.market.OfferView;
import cloud.agora.support.problem.ProblemResponses;
import cloud.agora.support.writer.NotTheWriterException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The public order book's ask side: every provider's offer, price and free capacity. */
@Path("/api/v1/offers")
@Produces(MediaType.APPLICATION_JSON)
public class OfferResource {

    private final ProviderRegistrar registrar;

    public OfferResource(ProviderRegistrar registrar) {
        this.registrar = registrar;
    }

    @GET
    @ProblemResponses({NotTheWriterException.class})
    public List<OfferView> list(@QueryParam("region") String region) {
        return registrar.offers(region);
    }
}
