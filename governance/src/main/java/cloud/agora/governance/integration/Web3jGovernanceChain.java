package cloud.agora.governance.integration;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainException;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.chain.Token;
import cloud.agora.governance.config.ChainConfig;
import cloud.agora.governance.domain.ChainUnavailableException;
import cloud.agora.governance.domain.GovernanceChain;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@link GovernanceChain} through the contracts module's chain port (which keeps web3j to itself). The executor key
 * comes from {@code agora.chain.executor-key-file} or {@code agora.chain.executor-key}; it is read when first needed.
 */
@ApplicationScoped
public class Web3jGovernanceChain implements GovernanceChain {

    private final ChainConfig config;
    private volatile Chain chain;
    private volatile Signer executor;

    public Web3jGovernanceChain(ChainConfig config) {
        this.config = config;
    }

    @Override
    public long headBlock() {
        return call(() -> chain().blockNumber());
    }

    @Override
    public Eip712Domain voteDomain() {
        return Eip712Domain.governance(config.chainId(), Address.parse(config.tokenAddress()));
    }

    @Override
    public BigInteger currentVotes(Address account) {
        return call(() -> token().getVotes(account));
    }

    @Override
    public BigInteger pastVotes(Address account, long block) {
        return call(() -> token().getPastVotes(account, block));
    }

    @Override
    public BigInteger pastTotalSupply(long block) {
        return call(() -> token().getPastTotalSupply(block));
    }

    @Override
    public Optional<String> ensureFee(int feeBps) {
        Escrow escrow = escrow();
        if (escrow.feeBps() == feeBps) {
            return Optional.empty();
        }
        return Optional.of(escrow.setFee(executor(), feeBps).transactionHash());
    }

    @Override
    public Optional<String> ensureWithdrawalDelay(Duration delay) {
        Escrow escrow = escrow();
        if (escrow.withdrawalDelay().equals(delay)) {
            return Optional.empty();
        }
        return Optional.of(escrow.setWithdrawalDelay(executor(), delay).transactionHash());
    }

    private Token token() {
        return chain().token(Address.parse(config.tokenAddress()));
    }

    private Escrow escrow() {
        return chain().escrow(Address.parse(config.escrowAddress()));
    }

    private Signer executor() {
        if (executor == null) {
            if (config.executorKeyFile().isPresent()) {
                try {
                    executor = Signer.of(KeyFiles.read(config.executorKeyFile().get()));
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read the executor key file " + config.executorKeyFile().get(), e);
                }
            } else {
                executor = Signer.ofHex(config.executorKey().orElseThrow(() -> new IllegalStateException(
                        "no executor key: set agora.chain.executor-key-file (or AGORA_CHAIN_EXECUTOR_KEY)")));
            }
        }
        return executor;
    }

    private Chain chain() {
        if (chain == null) {
            synchronized (this) {
                if (chain == null) {
                    chain = Chain.connect(ChainSettings.local(config.rpcUrl(), config.chainId())
                            .withConfirmations(config.confirmations()));
                }
            }
        }
        return chain;
    }

    private static <T> T call(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ChainException e) {
            throw new ChainUnavailableException("the chain could not be read: " + e.getMessage(), Map.of());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (chain != null) {
            chain.close();
        }
    }
}
