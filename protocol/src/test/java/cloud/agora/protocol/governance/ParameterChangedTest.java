package cloud.agora.protocol.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.core.type.TypeReference;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ParameterChangedTest {

    @Test
    void roundTripsThroughTheEnvelopeJson() {
        ParameterChanged change = new ParameterChanged("marketplace.heartbeat-timeout", "PT45S", ParameterChanged.UNIT_DURATION,
                7, Instant.parse("2026-01-02T03:04:05Z"));
        EventEnvelope<ParameterChanged> event = EventEnvelope.of(ParameterChanged.TYPE, ParameterChanged.SOURCE, change.effectiveAt(),
                change.name(), change);

        String json = JsonCodec.write(event);
        EventEnvelope<ParameterChanged> read = JsonCodec.read(json, new TypeReference<EventEnvelope<ParameterChanged>>() { });

        assertThat(json).contains("\"effectiveAt\":\"2026-01-02T03:04:05Z\"");
        assertThat(read).isEqualTo(event);
        assertThat(read.data().durationValue()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void readsIntegersAndRefusesTheWrongReading() {
        ParameterChanged size = new ParameterChanged("functions.max-body-size", "1048576", "bytes", 3, Instant.EPOCH);

        assertThat(size.integerValue()).isEqualTo(BigInteger.valueOf(1_048_576));
        assertThatThrownBy(size::durationValue).isInstanceOf(IllegalStateException.class);
    }
}
