package cloud.agora.marketplace.domain;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The idempotency key a bid was placed with ({@code Idempotency-Key}), scoped to its bidder: the signed-in account that
 * placed it (the owner, or the storage gateway brokering it for a payer). One bid per (bidder, key), ever; a retry
 * with the key must carry the same request ({@code requestHash}).
 *
 * @param requestHash hex SHA-256 of the bid's canonical form ({@link #requestHash(BidSpec)})
 */
public record BidKey(Address bidder, String key, String requestHash, UUID bidId) {

    /**
     * The hash of what a bid request asks for, independent of how its JSON was written: field order, whitespace, a
     * price as a string or a number, the order of attributes and of avoided providers do not change it; any value
     * that differs (or a field present in one and absent in the other) does.
     */
    public static String requestHash(BidSpec spec) {
        JsonNode canonical = canonical(JsonCodec.mapper().valueToTree(spec));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(JsonCodec.mapper().writeValueAsString(canonical).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Objects with their fields sorted by name, arrays sorted (every array of a bid is a set), nulls dropped. */
    private static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            node.fields().forEachRemaining(f -> {
                if (!f.getValue().isNull()) {
                    fields.put(f.getKey(), canonical(f.getValue()));
                }
            });
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(item -> items.add(canonical(item)));
            items.sort(Comparator.comparing(JsonNode::toString));
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            items.forEach(out::add);
            return out;
        }
        return node;
    }
}
