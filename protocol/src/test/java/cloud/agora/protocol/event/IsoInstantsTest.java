package cloud.agora.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantsTest {

    /** Jackson's own reading, without the fast path: what every answer must equal. */
    private static final ObjectMapper STANDARD = new ObjectMapper().registerModule(new JavaTimeModule());

    record Stamped(Instant at) {
    }

    @Test
    void everyInstantThePlatformWritesIsReadByTheFastPathAsJacksonReadsIt() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(253_402_300_800L), random.nextInt(1_000_000_000));
            // the platform writes instants at nanosecond, microsecond, millisecond and second precision
            ChronoUnit unit = List.of(ChronoUnit.NANOS, ChronoUnit.MICROS, ChronoUnit.MILLIS, ChronoUnit.SECONDS).get(i % 4);
            Instant written = instant.truncatedTo(unit);
            String json = JsonCodec.write(new Stamped(written));
            String text = json.substring(json.indexOf(':') + 2, json.length() - 2);
            assertThat(IsoInstants.parse(text)).as(text).isEqualTo(written);
            assertThat(JsonCodec.read(json, Stamped.class)).isEqualTo(STANDARD.readValue(json, Stamped.class));
        }
    }

    @Test
    void formsOutsideTheFastPathAndInvalidOnesAreLeftToJacksonAndReadOrRefusedAsBefore() throws Exception {
        for (String text : List.of("2026-12-05T03:48:43+01:00", "+12026-12-05T03:48:43Z", "2026-12-05T23:59:60Z",
                "2026-12-05t03:48:43Z", "2026-12-05T03:48:43.1234567890Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                "2026-12-05T24:00:00Z", "2026-12-05T03:60:00Z", "2026-12-05T03:48:4xZ", "2026-12-05T03:48:43.Z",
                "2026-12-05 03:48:43Z", " 2026-12-05T03:48:43Z")) {
            assertThat(IsoInstants.parse(text)).as(text).isNull();
            String json = "{\"at\":\"" + text + "\"}";
            Object standard;
            try {
                standard = STANDARD.readValue(json, Stamped.class);
            } catch (Exception e) {
                standard = e.getClass();
            }
            Object ours;
            try {
                ours = JsonCodec.read(json, Stamped.class);
            } catch (IllegalArgumentException e) {
                ours = e.getCause().getClass();
            }
            assertThat(ours).as(text).isEqualTo(standard);
        }
    }

    @Test
    void numbersAndNullAreLeftToJackson() throws Exception {
        assertThat(JsonCodec.read("{\"at\":1764906523.5}", Stamped.class)).isEqualTo(STANDARD.readValue("{\"at\":1764906523.5}", Stamped.class));
        assertThat(JsonCodec.read("{\"at\":null}", Stamped.class)).isEqualTo(new Stamped(null));
    }
}
