package cloud.agora.agent.api;

import cloud.agora.agent.inventory.HostInventory;
import cloud.agora.agent.inventory.InventoryProbe;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/inventory}: the machine, the capacity offered and what is free. */
@Path("/api/v1/inventory")
@Produces(MediaType.APPLICATION_JSON)
public class InventoryResource {

    private final InventoryProbe probe;

    public InventoryResource(InventoryProbe probe) {
        this.probe = probe;
    }

    @GET
    public HostInventory get() {
        return probe.probe();
    }
}
