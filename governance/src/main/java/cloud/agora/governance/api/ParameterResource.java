package cloud.agora.governance.api;

import cloud.agora.governance.domain.ParameterBook;
import cloud.agora.governance.domain.ParameterDefinition;
import cloud.agora.governance.domain.Parameters;
import cloud.agora.governance.persistence.GovernanceStore.StoredValue;
import cloud.agora.support.jdbc.Transactions;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The governed parameters: declaration, current value and history. Public. */
@Path("/api/v1/parameters")
@Produces(MediaType.APPLICATION_JSON)
public class ParameterResource {

    /** One value a parameter had, and the proposal that set it (null for the initial value). */
    public record HistoryEntry(String value, Long proposalId, Instant changedAt) {
    }

    /** A parameter as the API shows it. */
    public record ParameterView(String name, String kind, String value, String unit, String min, String max, String takesEffectIn,
            boolean onChain, String description, Long proposalId, Instant changedAt, List<HistoryEntry> history) {
    }

    private final Transactions tx;
    private final ParameterBook book;

    public ParameterResource(Transactions tx, ParameterBook book) {
        this.tx = tx;
        this.book = book;
    }

    @GET
    public List<ParameterView> list() {
        return tx.read(c -> {
            Map<String, StoredValue> values = book.values(c);
            List<StoredValue> history = book.history(c);
            return Parameters.ALL.stream().map(p -> view(p, values.get(p.name()), history)).toList();
        });
    }

    private ParameterView view(ParameterDefinition p, StoredValue value, List<StoredValue> history) {
        return new ParameterView(p.name(), p.kind().name().toLowerCase(), value.value(), p.unit(), book.minimum(p), p.max(),
                p.target().name().toLowerCase(), p.onChain(), p.description(), value.proposalId(), value.changedAt(),
                history.stream().filter(h -> h.name().equals(p.name()))
                        .map(h -> new HistoryEntry(h.value(), h.proposalId(), h.changedAt())).toList());
    }
}
