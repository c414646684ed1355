package cloud.agora.contracts.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * A SIGKILLed node writes no state of its own; started again on the same file it has the chain of its last copy
     * (the copy is written atomically every second).
     */
    @Test
    void aNodeKilledBySigkillStartsAgainFromItsCrashSafeCopy(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("chain.json");
        String someone = "0x1111111111111111111111111111111111111111";
        try (Anvil node = Anvil.start(Anvil.Options.defaults().withStateFile(state))) {
            rpc(node, "anvil_setBalance", "[\"" + someone + "\", \"0x1234\"]");
            rpc(node, "evm_mine", "[]");
            Instant deadline = Instant.now().plusSeconds(30);
            while (!(Files.exists(state) && Files.readString(state).contains(someone.substring(2)))) {
                assertThat(Instant.now()).as("the copy holding the new balance").isBefore(deadline);
                Thread.sleep(50);
            }
            ProcessHandle killed = ProcessHandle.of(node.pid()).orElseThrow();
            killed.destroyForcibly();
            killed.onExit().get(10, TimeUnit.SECONDS);
        }
        try (Anvil again = Anvil.start(Anvil.Options.defaults().withStateFile(state))) {
            assertThat(rpc(again, "eth_getBalance", "[\"" + someone + "\", \"latest\"]")).contains("\"0x1234\"");
            assertThat(rpc(again, "eth_blockNumber", "[]")).contains("\"0x1\"");
        }
    }

    private static String rpc(Anvil node, String method, String params) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.rpcUrl()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method
                        + "\",\"params\":" + params + "}")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void devKeysAreTheWellKnownAnvilAccounts() {
        assertThat(DevKeys.get(0).address()).isEqualTo(Address.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assertThat(DevKeys.get(1).address()).isEqualTo(Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        assertThat(DevKeys.get(0).privateKeyHex()).isEqualTo("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        assertThat(DevKeys.all()).hasSize(DevKeys.COUNT).doesNotHaveDuplicates();
    }
}
