package cloud.agora.contracts.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AnvilTest {

    @Test
    void twoNodesRunSideBySideOnFreePortsAndStopByPid() {
        long started = System.nanoTime();
        Anvil first = Anvil.start();
        long startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Anvil second = Anvil.start();
        try {
            assertThat(first.port()).isNotEqualTo(second.port());
            assertThat(first.pid()).isNotEqualTo(second.pid());
            try (Chain a = Chain.connect(ChainSettings.local(first.rpcUrl(), Anvil.DEFAULT_CHAIN_ID));
                 Chain b = Chain.connect(ChainSettings.local(second.rpcUrl(), Anvil.DEFAULT_CHAIN_ID))) {
                assertThat(a.blockNumber()).isZero();
                assertThat(b.etherBalance(DevKeys.get(9).address())).isEqualTo(new Wei(BigInteger.TEN.pow(22)));
            }
            assertThat(startupMs).as("anvil start-up, ms").isLessThan(5_000);
        } finally {
            first.close();
            second.close();
        }
        assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ProcessHandle.of(second.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(first.isRunning()).isFalse();
    }

    @Test
    void devKeysAreTheWellKnownAnvilAccounts() {
        assertThat(DevKeys.get(0).address()).isEqualTo(Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assertThat(DevKeys.get(1).address()).isEqualTo(Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        assertThat(DevKeys.get(0).privateKeyHex()).isEqualTo("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        assertThat(DevKeys.all()).hasSize(DevKeys.COUNT).doesNotHaveDuplicates();
    }
}
