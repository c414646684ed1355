package cloud.agora.marketplace.api;

import cloud.agora.marketplace.domain.MarketRules;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** The market's governed rules in effect (set by governance; read-only here). */
@Path("/api/v1/market/parameters")
@Produces(MediaType.APPLICATION_JSON)
public class MarketRulesResource {

    private final MarketRules rules;

    public MarketRulesResource(MarketRules rules) {
        this.rules = rules;
    }

    @GET
    public Map<String, String> inEffect() {
        return rules.inEffect();
    }
}
