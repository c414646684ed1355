package cloud.agora.protocol.invocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class InvocationTraceTest {

    @Test
    void theTraceIdIsTheInvocationIdAndTheInvocationsSpanItsLowHalf() {
        UUID id = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        assertThat(InvocationTrace.traceId(id)).isEqualTo("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        assertThat(InvocationTrace.invocationSpanId(id)).isEqualTo("8796a5b4c3d2e1f0");
    }

    @Test
    void theInvocationsSpanIdIsNeverZero() {
        assertThat(InvocationTrace.invocationSpanId(new UUID(7, 0))).isEqualTo("0000000000000001");
    }
}
