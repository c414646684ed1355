package cloud.agora.contracts.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.money.Wei;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The port's waiting rules: chain id check, confirmation depth, bounded polling, unreachable node. */
@ExtendWith(DevnetExtension.class)
class ChainTest {

    @Test
    void refusesANodeOfAnotherChain(Devnet devnet) {
        assertThatThrownBy(() -> Chain.connect(ChainSettings.local(devnet.rpcUrl(), 1)))
                .isInstanceOf(ChainException.class)
                .hasMessageContaining("is chain " + devnet.chainId() + ", not 1");
    }

    @Test
    void waitsUntilTheTransactionIsConfirmedDeepEnough(Devnet devnet) throws Exception {
        try (Chain deep = Chain.connect(ChainSettings.local(devnet.rpcUrl(), devnet.chainId()).withConfirmations(3))) {
            Signer consumer = devnet.newAccount();
            CompletableFuture<Void> laterBlocks = CompletableFuture.runAsync(() -> {
                sleep(300);
                devnet.mine(2);
            });
            long started = System.nanoTime();
            TxReceipt receipt = deep.escrow(devnet.escrow().address()).deposit(consumer, Wei.of(1));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            laterBlocks.get(5, TimeUnit.SECONDS);

            assertThat(waitedMs).isGreaterThanOrEqualTo(250);
            assertThat(deep.blockNumber()).isGreaterThanOrEqualTo(receipt.blockNumber() + 2);
        }
    }

    @Test
    void givesUpAfterABoundedNumberOfPolls(Devnet devnet) {
        ChainSettings impatient = new ChainSettings(devnet.rpcUrl(), devnet.chainId(), Duration.ofMillis(5), 4, 50);
        try (Chain chain = Chain.connect(impatient)) {
            Signer consumer = devnet.newAccount();
            assertThatThrownBy(() -> chain.escrow(devnet.escrow().address()).deposit(consumer, Wei.of(5)))
                    .isInstanceOfSatisfying(ChainTimeoutException.class, e -> {
                        assertThat(e.transactionHash()).startsWith("0x").hasSize(66);
                        assertThat(e.getMessage()).contains("50 confirmations after 4 polls");
                    });
            // mined, just not 50 blocks deep: the caller can look it up by hash instead of sending it again
            assertThat(devnet.escrow().balanceOf(consumer.address())).isEqualTo(Wei.of(5));
        }
    }

    @Test
    void reportsAnUnreachableNode() {
        assertThatThrownBy(() -> Chain.connect(ChainSettings.local("http://127.0.0.1:1", 31337)))
                .isInstanceOf(ChainException.class)
                .hasMessageContaining("did not answer");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
