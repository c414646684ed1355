package cloud.agora.functions.domain.catalog;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;

/** A function as listed: its name, owner, newest version and when it was created. */
public record FunctionSummary(String name, Address owner, int latestVersion, int versions, Instant createdAt) {
}
