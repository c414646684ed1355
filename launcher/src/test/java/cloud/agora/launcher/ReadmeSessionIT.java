package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import cloud.agora.testsupport.PrometheusText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The READMEs' shell blocks, run exactly as written against one fresh platform started with {@code ./agora run}: the
 * marketplace's curl session, then the root README's walkthrough (deposit, deploy the example, calls, usage, proof,
 * redeem, a fee changed by governance, the next redeem), the "your own language" block, and the walkthrough again on
 * the platform it has used; then what operators see of those calls: the gateway's and the agent's metrics, and one
 * trace per call across the gateway, the agent and billing (exported to an OTLP receiver in this JVM).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadmeSessionIT {

    @TempDir
    static Path state;

    LocalPlatform platform;
    TraceCollector traces;
    /** The first call of the first walkthrough (its {@code Agora-Invocation-Id}). */
    String firstCall;

    @BeforeAll
    void start() throws Exception {
        traces = new TraceCollector();
        platform = new LocalPlatform(state).throughTheScript();
        for (String[] variable : traces.env()) {
            platform.withEnv(variable[0], variable[1]);
        }
        platform.start();
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
        traces.close();
    }

    @Test
    @Order(0)
    void aRunAfterTheBuildStartsWithoutCompiling() throws Exception {
        // the build (mvn verify, or a first ./agora run) is done: nothing in the sources is newer than its output
        assertThat(platform.output()).contains("Agora is running").doesNotContain("building the platform");
    }

    @Test
    @Order(1)
    void theMarketplaceCurlSessionWorksAsWritten() throws Exception {
        String output = run(block("marketplace/README.md", "session"), 120);
        assertThat(output)
                .contains("wants you to sign in with your Ethereum account")
                .contains("\"status\": \"MATCHED\"")
                .contains("\"state\": \"ACTIVE\"")
                .contains("MAX_PRICE_BELOW_EVERY_ASK")
                .contains("\"state\": \"CLOSED\"")
                .contains("\"cpuMillis\": 4000")
                .contains("urn:agora:problem:invalid-body");
    }

    @Test
    @Order(2)
    void theWalkthroughWorksAsWritten() throws Exception {
        String output = run(block("README.md", "walkthrough"), 300);
        assertThat(output)
                .as("the speeds of the sample, computed by the function on the agent")
                .contains("bus-12,1700000000,1700000060,0.5808,34.85")
                .contains("truck-7,1700000000,1700000300,4.4351,53.22")
                .containsPattern("(?i)agora-invocation-id: [0-9a-f-]{36}")
                .as("usage counts the 22 calls so far")
                .contains("\"invocations\": 22")
                .contains("\"errors\": 0")
                .contains("\"status\": \"redeemed\"")
                .contains("\"feeBps\": 250")
                .contains("\"receipts\": 27");
        Matcher call = INVOCATION_ID.matcher(output);
        assertThat(call.find()).isTrue();
        firstCall = call.group(1);
    }

    @Test
    @Order(3)
    void yourOwnLanguageWorksAsWritten() throws Exception {
        String output = run(block("README.md", "languages"), 900);
        assertThat(output).as("each runtime's function, built, deployed and called through the platform")
                .contains("shell: hello world").contains("python: hello world").contains("node: hello world")
                .contains("java: hello world");
    }

    @Test
    @Order(4)
    void theWalkthroughWorksAgainOnAPlatformItHasUsed() throws Exception {
        String output = run(block("README.md", "walkthrough"), 300);
        assertThat(output)
                .contains("bus-12,1700000000,1700000060,0.5808,34.85")
                .as("the function's next version")
                .contains("\"version\": 2")
                .as("usage counts both runs' calls: 27 and 22 so far")
                .contains("\"invocations\": 49")
                .contains("\"feeBps\": 250");
        assertThat(output.split("\"status\": \"redeemed\"", -1)).as("both redeems paid").hasSize(3);
    }

    @Test
    @Order(5)
    void theCallsAreOnTheGatewaysAndTheAgentsMetrics() throws Exception {
        String gateway = PlatformCalls.send("GET", "http://localhost:8080/q/metrics", null, null).body();
        String function = "function=\"vehicle-speed\"";
        // both walkthroughs: 22 + 5 calls each, all answered
        assertThat(PrometheusText.sum(gateway, "agora_function_calls_total", function, "outcome=\"ok\"")).isEqualTo(54);
        assertThat(PrometheusText.sum(gateway, "agora_function_duration_seconds_count", function)).isEqualTo(54);
        assertThat(PrometheusText.sum(gateway, "agora_function_cold_starts_total", function)).isGreaterThanOrEqualTo(1);
        String agent = PlatformCalls.send("GET", "http://localhost:8090/q/metrics", null, null).body();
        // and the other block's four functions, one call each
        assertThat(PrometheusText.sum(agent, "agora_agent_calls_total", "outcome=\"ok\"")).isGreaterThanOrEqualTo(54);
        assertThat(PrometheusText.sum(agent, "agora_agent_call_duration_seconds_count")).isGreaterThanOrEqualTo(54);
        assertThat(PrometheusText.sum(agent, "agora_agent_cold_starts_total")).isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(6)
    void oneTraceIdLinksTheGatewaysCallTheAgentsRunAndBillingsRating() throws Exception {
        String trace = firstCall.replace("-", "");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        // services export every few seconds: wait for the three spans, each in its service's export
        while (!(traces.exported(trace, "call vehicle-speed") && traces.exported(trace, "provider-agent", "/api/v1/invocations")
                && traces.exported(trace, "rate receipt"))) {
            assertThat(Instant.now()).as("the gateway's, the agent's and billing's spans of call %s among %d exports",
                    firstCall, traces.exports()).isBefore(deadline);
            Thread.sleep(250);
        }
    }

    private static final Pattern INVOCATION_ID = Pattern.compile("(?i)agora-invocation-id: ([0-9a-f-]{36})");


    /** The shell block between {@code <!-- name:start -->} and {@code <!-- name:end -->} of a README. */
    private static String block(String readme, String name) throws Exception {
        String text = Files.readString(LocalPlatform.REPO.resolve(readme));
        String block = text.substring(text.indexOf("<!-- " + name + ":start -->"), text.indexOf("<!-- " + name + ":end -->"));
        return block.substring(block.indexOf("```sh\n") + 6, block.lastIndexOf("```"));
    }

    /** Runs a block with bash (-euo pipefail) from the repository root; asserts it succeeded; returns its output. */
    private String run(String script, int seconds) throws Exception {
        ProcessBuilder bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
                .directory(LocalPlatform.REPO.toFile()).redirectErrorStream(true);
        bash.environment().put("STATE", state.toString());
        Process session = bash.start();
        String output = new String(session.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(session.waitFor(seconds, TimeUnit.SECONDS)).isTrue();
        assertThat(session.exitValue()).as("the block's exit status; output:\n%s", output).isZero();
        return output;
    }
}
