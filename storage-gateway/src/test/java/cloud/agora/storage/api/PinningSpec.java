package cloud.agora.storage.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks written from the schemas of the IPFS Pinning Service API's OpenAPI document
 * (ipfs/pinning-services-api-spec, ipfs-pinning-service.yaml): PinResults, PinStatus, Pin,
 * Status, Delegates, Origins, PinMeta, StatusInfo and Failure, with their required
 * properties, types, enums, formats (RFC 3339 date-time) and size limits.
 */
final class PinningSpec {

    static final Set<String> STATUS = Set.of("queued", "pinning", "pinned", "failed");

    private PinningSpec() {
    }

    /** PinResults: required count (int32 ≥ 0) and results (≤ 1000 unique PinStatus). */
    static void assertPinResults(Map<String, Object> body) {
        assertThat(body).as("PinResults").containsOnlyKeys("count", "results");
        assertThat(body.get("count")).as("PinResults.count").isInstanceOf(Integer.class);
        assertThat((Integer) body.get("count")).isGreaterThanOrEqualTo(0);
        List<?> results = (List<?>) body.get("results");
        assertThat(results).as("PinResults.results").hasSizeLessThanOrEqualTo(1000).doesNotHaveDuplicates();
        results.forEach(r -> assertPinStatus(map(r)));
    }

    /** PinStatus: required requestid, status, created, pin, delegates; optional info. */
    static void assertPinStatus(Map<String, Object> body) {
        assertThat(body).as("PinStatus").containsKeys("requestid", "status", "created", "pin", "delegates");
        assertThat(Set.of("requestid", "status", "created", "pin", "delegates", "info")).containsAll(body.keySet());
        assertThat(body.get("requestid")).as("requestid").isInstanceOf(String.class);
        assertThat(STATUS).as("Status enum").contains((String) body.get("status"));
        assertThat(body.get("created")).isInstanceOf(String.class);
        OffsetDateTime.parse((String) body.get("created")); // format: date-time (RFC 3339)
        assertPin(map(body.get("pin")));
        List<?> delegates = (List<?>) body.get("delegates");
        assertThat(delegates).as("Delegates").hasSizeBetween(1, 20).doesNotHaveDuplicates()
                .allMatch(d -> d instanceof String);
        if (body.containsKey("info")) {
            assertStringMap(map(body.get("info")), "StatusInfo");
        }
    }

    /** Pin: required cid; optional name (≤ 255), origins (≤ 20 unique strings), meta (strings). */
    static void assertPin(Map<String, Object> pin) {
        assertThat(pin).as("Pin").containsKey("cid");
        assertThat(Set.of("cid", "name", "origins", "meta")).containsAll(pin.keySet());
        assertThat(pin.get("cid")).isInstanceOf(String.class);
        if (pin.containsKey("name")) {
            assertThat(pin.get("name")).isInstanceOf(String.class);
            assertThat(((String) pin.get("name")).length()).isLessThanOrEqualTo(255);
        }
        if (pin.containsKey("origins")) {
            assertThat((List<?>) pin.get("origins")).as("Origins").hasSizeLessThanOrEqualTo(20)
                    .doesNotHaveDuplicates().allMatch(o -> o instanceof String);
        }
        if (pin.containsKey("meta")) {
            assertStringMap(map(pin.get("meta")), "PinMeta");
        }
    }

    /** Failure: required error object with required reason and optional details, both strings. */
    static void assertFailure(Map<String, Object> body, String reason) {
        assertThat(body).as("Failure").containsOnlyKeys("error");
        Map<String, Object> error = map(body.get("error"));
        assertThat(error).containsKey("reason");
        assertThat(Set.of("reason", "details")).containsAll(error.keySet());
        assertThat(error.get("reason")).isEqualTo(reason);
        if (error.containsKey("details")) {
            assertThat(error.get("details")).isInstanceOf(String.class);
        }
    }

    private static void assertStringMap(Map<String, Object> map, String schema) {
        assertThat(map).as(schema).hasSizeLessThanOrEqualTo(1000);
        assertThat(new HashSet<>(map.values())).as(schema + " values").allMatch(v -> v instanceof String);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
