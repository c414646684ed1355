package cloud.agora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

    private final DurationConverter converter = new DurationConverter();

    @Test
    void readsTheServicesShortFormAndIso() {
        assertThat(converter.convert("5ms")).isEqualTo(Duration.ofMillis(5));
        assertThat(converter.convert("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(converter.convert("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(converter.convert("PT0.005S")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void refusesWhatIsNoDuration() {
        assertThatThrownBy(() -> converter.convert("soon")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("soon");
    }
}
