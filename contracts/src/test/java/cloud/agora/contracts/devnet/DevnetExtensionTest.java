package cloud.agora.contracts.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DevnetExtension.class)
class DevnetExtensionTest {

    private static Devnet seen;

    private final Devnet injected;

    DevnetExtensionTest(Devnet devnet) {
        this.injected = devnet;
    }

    @Test
    void handsTheSameRunningDevnetToEveryTestOfAClass(Devnet devnet) {
        assertThat(devnet).isSameAs(injected);
        assertThat(devnet.anvil().isRunning()).isTrue();
        if (seen != null) {
            assertThat(devnet).isSameAs(seen);
        }
        seen = devnet;
    }

    @Test
    void theContractsAreDeployed(Devnet devnet) {
        assertThat(devnet.chain().hasCode(devnet.escrow().address())).isTrue();
        assertThat(devnet.chain().hasCode(devnet.token().address())).isTrue();
        assertThat(devnet.chain().hasCode(devnet.timelock().address())).isTrue();
        assertThat(devnet.escrow().executor()).isEqualTo(devnet.timelock().address());
        if (seen != null) {
            assertThat(devnet).isSameAs(seen);
        }
        seen = devnet;
    }
}
