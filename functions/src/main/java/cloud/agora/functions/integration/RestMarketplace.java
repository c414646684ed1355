package cloud.agora.functions.integration;

import cloud.agora.functions.domain.deployment.BidRefusedException;
import cloud.agora.functions.domain.deployment.Marketplace;
import cloud.agora.functions.domain.deployment.MarketplaceUnavailableException;
import cloud.agora.protocol.market.BidPreview;
import cloud.agora.protocol.market.BidSpec;
import cloud.agora.protocol.market.BidView;
import cloud.agora.protocol.market.LeaseClose;
import cloud.agora.protocol.market.LeaseView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** {@link Marketplace} over the marketplace's REST API. */
@ApplicationScoped
public class RestMarketplace implements Marketplace {

    private final MarketplaceClient market;

    public RestMarketplace(@RestClient MarketplaceClient market) {
        this.market = market;
    }

    @Override
    public BidView placeBid(String bearerToken, BidSpec bid, String idempotencyKey) {
        return call("placing a bid", () -> market.placeBid(bearer(bearerToken), idempotencyKey, bid));
    }

    @Override
    public BidPreview previewBid(String bearerToken, BidSpec bid) {
        return call("previewing a bid", () -> market.previewBid(bearer(bearerToken), bid));
    }

    @Override
    public BidView bid(String bearerToken, UUID bidId) {
        return call("reading bid " + bidId, () -> market.bid(bearer(bearerToken), bidId));
    }

    @Override
    public LeaseView lease(String bearerToken, UUID leaseId) {
        return call("reading lease " + leaseId, () -> market.lease(bearer(bearerToken), leaseId));
    }

    @Override
    public void cancelBid(String bearerToken, UUID bidId) {
        try {
            market.cancelBid(bearer(bearerToken), bidId);
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() != 409) { // 409 bid-not-open: it matched or ended meanwhile
                call("cancelling bid " + bidId, () -> {
                    throw e;
                });
            }
        } catch (ProcessingException e) {
            throw new MarketplaceUnavailableException("the marketplace cannot be reached (cancelling bid " + bidId + ")");
        }
    }

    @Override
    public void closeLease(String bearerToken, UUID leaseId, String reason) {
        try {
            market.closeLease(bearer(bearerToken), leaseId, new LeaseClose(reason));
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() != 409) { // 409 lease-already-closed: nothing left to free
                call("closing lease " + leaseId, () -> {
                    throw e;
                });
            }
        } catch (ProcessingException e) {
            throw new MarketplaceUnavailableException("the marketplace cannot be reached (closing lease " + leaseId + ")");
        }
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static <T> T call(String what, Supplier<T> request) {
        try {
            return request.get();
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            String detail = problemDetail(e);
            if (status >= 400 && status < 500) {
                throw new BidRefusedException("the marketplace answered HTTP " + status + " " + what
                        + (detail == null ? "" : ": " + detail));
            }
            throw new MarketplaceUnavailableException("the marketplace answered HTTP " + status + " " + what);
        } catch (ProcessingException e) {
            throw new MarketplaceUnavailableException("the marketplace cannot be reached (" + what + ")");
        }
    }

    private static String problemDetail(WebApplicationException e) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> problem = e.getResponse().readEntity(Map.class);
            Object detail = problem.get("detail");
            return detail == null ? null : detail.toString();
        } catch (RuntimeException unreadable) {
            return null;
        }
    }
}
