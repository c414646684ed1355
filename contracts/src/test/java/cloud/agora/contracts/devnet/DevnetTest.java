package cloud.agora.contracts.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.chain.Timelock;
import cloud.agora.contracts.chain.TimelockOperation;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevnetTest {

    @Test
    void aDevnetWithAStateFileKeepsItsContractsAndDepositsAcrossRestarts(@TempDir Path dir) {
        Anvil.Options options = Anvil.Options.defaults().withStateFile(dir.resolve("chain.json"));
        Signer consumer = DevKeys.get(2);
        Address escrowAddress;
        Address timelockAddress;
        try (Devnet devnet = Devnet.start(options)) {
            escrowAddress = devnet.escrow().address();
            timelockAddress = devnet.timelock().address();
            devnet.escrow().deposit(consumer, Wei.of(12_345));
        }
        try (Devnet restarted = Devnet.start(options)) {
            assertThat(restarted.escrow().address()).isEqualTo(escrowAddress);
            assertThat(restarted.escrow().balanceOf(consumer.address())).isEqualTo(Wei.of(12_345));
            assertThat(restarted.timelock().address()).isEqualTo(timelockAddress);
        }
    }

    @Test
    void aStateWhoseEscrowAKeyStillGovernsGetsItsTimelockOnTheNextStart(@TempDir Path dir) {
        Anvil.Options options = Anvil.Options.defaults().withStateFile(dir.resolve("chain.json"));
        Address first;
        try (Devnet devnet = Devnet.start(options)) {
            // what an earlier build left: the escrow governed by account 0 directly (handed back through the timelock)
            Escrow escrow = devnet.escrow();
            Timelock timelock = devnet.timelock();
            first = timelock.address();
            Signer key = devnet.governanceKey();
            TimelockOperation back = TimelockOperation.of(List.of(escrow.proposeExecutorCall(key.address())), Bytes32.ZERO);
            timelock.schedule(key, back, timelock.minDelay());
            devnet.increaseTime(timelock.minDelay());
            timelock.execute(key, back);
            escrow.acceptExecutor(key);
            assertThat(escrow.executor()).isEqualTo(key.address());
        }
        try (Devnet restarted = Devnet.start(options)) {
            assertThat(restarted.timelock().address()).isNotEqualTo(first);
            assertThat(restarted.escrow().executor()).isEqualTo(restarted.timelock().address());
            assertThat(restarted.timelock().hasRole(Timelock.Role.CANCELLER, restarted.guardian().address())).isTrue();
        }
    }

    @Test
    void theQuarkusResourceHandsOutTheChainConfiguration() {
        DevnetResource resource = new DevnetResource();
        try {
            Map<String, String> config = resource.start();
            assertThat(config).containsKeys("agora.chain.rpc-url", "agora.chain.chain-id", "agora.chain.escrow-address",
                    "agora.chain.token-address", "agora.chain.treasury-address", "agora.chain.executor-key",
                    "agora.devnet.accounts.2.key", "agora.devnet.accounts.9.address", "agora.devnet.timelock-address");
            assertThat(config.get("agora.chain.chain-id")).isEqualTo("31337");
            assertThat(config.get("agora.chain.executor-key")).isEqualTo(DevKeys.get(0).privateKeyHex());
            assertThat(config.get("agora.chain.rpc-url")).startsWith("http://127.0.0.1:");
        } finally {
            resource.stop();
        }
    }
}
