package cloud.agora.launcher;

import static cloud.agora.launcher.FunctionCalls.invoke;
import static cloud.agora.launcher.PlatformCalls.FUNCTIONS;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.call;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.KeyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token holder changes the platform: a proposal to raise the escrow fee and the heartbeat timeout and to lower the
 * functions gateway's max timeout and body size is voted with an EIP-712 signature weighted at the snapshot, passes,
 * waits its timelock, is executed by governance — the fee by a transaction on chain — and the marketplace and the
 * functions gateway apply the ParameterChanged decisions (signed by governance's event key, which they check) without
 * a restart — all in the platform `./agora run` starts.
 */
class GovernedPlatformIT {

    @TempDir
    Path state;

    @Test
    void aPassedProposalChangesTheRunningMarketplace() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state).start()) {
            assertThat(call("GET", MARKET + "/api/v1/market/parameters", null, null)
                    .get("marketplace.heartbeat-timeout").asText()).isEqualTo("PT30S");
            // before the vote: a 2 KiB call body passes the gateway's limit (no such function: 404), a 60 s timeout publishes
            String token = PlatformCalls.signIn(FUNCTIONS, KeyFiles.read(state.resolve("keys/developer.key")));
            byte[] bundle = FunctionCalls.echoBundle(state);
            assertThat(invoke("no-such-function", "x".repeat(2048)).statusCode()).isEqualTo(404);
            FunctionCalls.publish(token, spec(60_000), bundle);

            JsonNode executed = Proposals.pass(state, "Give agents more time between heartbeats", List.of(
                    Map.of("parameter", "marketplace.heartbeat-timeout", "value", "PT45S"),
                    Map.of("parameter", "escrow.fee-bps", "value", "250"),
                    Map.of("parameter", "functions.max-body-size", "value", "1024"),
                    Map.of("parameter", "functions.max-timeout", "value", "PT30S")));

            Proposals.transactionOf(executed, "escrow.fee-bps");
            PlatformCalls.await("the marketplace applied the new timeout", Duration.ofSeconds(90),
                    () -> "PT45S".equals(call("GET", MARKET + "/api/v1/market/parameters", null, null)
                            .get("marketplace.heartbeat-timeout").asText()));
            PlatformCalls.await("the functions gateway applied the new body size", Duration.ofSeconds(90),
                    () -> invoke("no-such-function", "x".repeat(2048)).statusCode() == 413);
            assertThat(invoke("no-such-function", "x".repeat(1000)).statusCode()).isEqualTo(404);
            HttpResponse<String> tooLong = FunctionCalls.publishing(token, spec(60_000), bundle);
            assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(400);
            assertThat(tooLong.body()).contains("functions.max-timeout");
            FunctionCalls.publish(token, spec(30_000), bundle);
        }
    }

    private static Map<String, Object> spec(int timeoutMillis) {
        return Map.of("name", "governed-echo", "runtime", "shell", "entrypoint", "handler.sh", "memoryMiB", 64,
                "cpuMillis", 100, "timeoutMillis", timeoutMillis);
    }
}
