package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * the platform it has used.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadmeSessionIT {

    @TempDir
    static Path state;

    LocalPlatform platform;

    @BeforeAll
    void start() throws Exception {
        platform = new LocalPlatform(state).throughTheScript().start();
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
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
