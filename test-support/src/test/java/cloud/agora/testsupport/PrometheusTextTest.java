package cloud.agora.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    static final String EXPOSITION = """
            # HELP agora_function_calls_total calls sent to a provider
            # TYPE agora_function_calls_total counter
            agora_function_calls_total{function="a",outcome="ok",owner="0x1"} 54.0 # {span_id="0f",trace_id="aa"} 1.0 1796570517.328
            agora_function_calls_total{function="a",outcome="function_error",owner="0x1"} 2.0
            agora_function_calls_total{function="b",outcome="ok",owner="0x1"} 3.0 1796570517328
            agora_agent_receipts 7.0
            agora_agent_receipts_pending 1.0
            """;

    @Test
    void aSamplesValueIsNeitherItsTimestampNorItsExemplar() {
        assertThat(PrometheusText.samples(EXPOSITION, "agora_function_calls_total", "function=\"a\"", "outcome=\"ok\""))
                .containsExactly(54.0);
        assertThat(PrometheusText.sum(EXPOSITION, "agora_function_calls_total", "outcome=\"ok\"")).isEqualTo(57.0);
        assertThat(PrometheusText.sum(EXPOSITION, "agora_agent_receipts")).isEqualTo(7.0);
        assertThat(PrometheusText.sum(EXPOSITION, "agora_agent_leases")).isZero();
    }
}
