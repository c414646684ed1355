package cloud.agora.functions.domain.catalog;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;
import java.util.UUID;

/** A function as the catalog holds it: its id, its name, its owner and when its first version was published. */
public record RegisteredFunction(UUID id, String name, Address owner, Instant createdAt) {
}
