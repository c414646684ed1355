package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token holder changes the platform: a proposal to raise the escrow fee and the heartbeat timeout is
 * voted with an EIP-712 signature weighted at the snapshot, passes, waits its timelock, is
 * executed by governance — the fee by a transaction on chain — and the marketplace applies the ParameterChanged decision without a
 * restart — all in the platform `./agora run` starts.
 */
class GovernedPlatformIT {

    @TempDir
    Path state;

    @Test
    void aPassedProposalChangesTheRunningMarketplace() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state).start()) {
            assertThat(call("GET", MARKET + "/api/v1/market/parameters", null, null)
                    .get("marketplace.heartbeat-timeout").asText()).isEqualTo("PT30S");

            JsonNode executed = Proposals.pass(state, "Give agents more time between heartbeats", List.of(
                    Map.of("parameter", "marketplace.heartbeat-timeout", "value", "PT45S"),
                    Map.of("parameter", "escrow.fee-bps", "value", "250")));

            Proposals.transactionOf(executed, "escrow.fee-bps");
            PlatformCalls.await("the marketplace applied the new timeout", Duration.ofSeconds(90),
                    () -> "PT45S".equals(call("GET", MARKET + "/api/v1/market/parameters", null, null)
                            .get("marketplace.heartbeat-timeout").asText()));
        }
    }
}
