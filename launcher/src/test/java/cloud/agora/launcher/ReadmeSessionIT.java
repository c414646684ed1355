package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marketplace README's curl session, run exactly as written against a fresh platform. */
class ReadmeSessionIT {

    @TempDir
    Path state;

    @Test
    void theMarketplaceCurlSessionWorksAsWritten() throws Exception {
        String readme = Files.readString(LocalPlatform.REPO.resolve("marketplace/README.md"));
        String block = readme.substring(readme.indexOf("<!-- session:start -->"), readme.indexOf("<!-- session:end -->"));
        String script = block.substring(block.indexOf("```sh\n") + 6, block.lastIndexOf("```"));

        try (LocalPlatform platform = new LocalPlatform(state).start()) {
            ProcessBuilder bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
                    .directory(LocalPlatform.REPO.toFile()).redirectErrorStream(true);
            bash.environment().put("STATE", state.toString());
            Process session = bash.start();
            String output = new String(session.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(session.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(session.exitValue()).as("the session's exit status; output:\n%s", output).isZero();
            assertThat(output)
                    .contains("wants you to sign in with your Ethereum account")
                    .contains("\"status\": \"MATCHED\"")
                    .contains("\"state\": \"ACTIVE\"")
                    .contains("MAX_PRICE_BELOW_EVERY_ASK")
                    .contains("\"state\": \"CLOSED\"")
                    .contains("\"cpuMillis\": 4000")
                    .contains("urn:agora:problem:invalid-body");
        }
    }
}
