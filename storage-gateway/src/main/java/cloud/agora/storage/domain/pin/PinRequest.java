package cloud.agora.storage.domain.pin;

import cloud.agora.protocol.eth.Address;
import cloud.agora.ipld.Cid;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A pin request of the IPFS Pinning Service API, owned by the address that made it.
 *
 * @param requestId the opaque id clients use for status, replacement and removal
 * @param owner     the signed-in caller that made it; nobody else sees it
 * @param spec      what to pin (cid, name, origins, meta)
 * @param state     where pinning stands
 * @param created   when it entered the service; unique across all pins (pagination key)
 * @param info      vendor details ({@code status_details} for failures)
 */
public record PinRequest(UUID requestId, Address owner, PinSpec spec, PinState state, Instant created,
        Map<String, String> info) {

    /**
     * What a client asks to pin.
     *
     * @param cid     the DAG root, pinned recursively
     * @param name    an optional name (at most 255 characters)
     * @param origins multiaddrs known to hold the data (at most 20)
     * @param meta    string metadata kept with the pin (at most 1000 entries)
     */
    public record PinSpec(Cid cid, String name, List<String> origins, Map<String, String> meta) {

        /** The {@code meta} key that asks for copies on storage providers ({@code "0"}–{@code "16"}). */
        public static final String REPLICATION = "replication";

        public PinSpec {
            if (name != null && name.length() > 255) {
                throw new InvalidPinRequestException("name has " + name.length() + " characters (at most 255)");
            }
            origins = origins == null ? List.of() : List.copyOf(origins);
            if (origins.size() > 20 || origins.stream().distinct().count() != origins.size()) {
                throw new InvalidPinRequestException("origins must be at most 20 distinct multiaddrs");
            }
            meta = meta == null ? Map.of() : Map.copyOf(meta);
            if (meta.size() > 1000) {
                throw new InvalidPinRequestException("meta has " + meta.size() + " entries (at most 1000)");
            }
            String replication = meta.get(REPLICATION);
            if (replication != null && !replication.matches("[0-9]|1[0-6]")) {
                throw new InvalidPinRequestException("meta.replication must be a whole number of replicas from 0 to 16, not '"
                        + replication + "'");
            }
        }
    }
}
