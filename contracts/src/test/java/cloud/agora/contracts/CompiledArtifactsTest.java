package cloud.agora.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The committed ABI/BIN are what the committed Solidity sources compile to. */
class CompiledArtifactsTest {

    @Test
    void committedAbiAndBinMatchAFreshCompile() throws Exception {
        NodeScripts.Result result = NodeScripts.run("compile.js", "--check");
        assertThat(result.exitCode())
                .as("node compile.js --check\n%s%s", result.stdout(), result.stderr())
                .isZero();
        assertThat(result.stdout()).contains("match a fresh compile");
    }
}
