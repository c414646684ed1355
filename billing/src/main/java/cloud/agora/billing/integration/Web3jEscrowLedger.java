package cloud.agora.billing.integration;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.billing.config.ChainConfig;
import cloud.agora.billing.domain.ChainUnavailableException;
import cloud.agora.billing.domain.EscrowLedger;
import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Delegation;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * {@link EscrowLedger} on a JSON-RPC node: balances and delegations through the contracts module's chain port,
 * blocks and {@code eth_getLogs} through web3j (the port has no log queries). No web3j type leaves this class.
 */
@ApplicationScoped
public class Web3jEscrowLedger implements EscrowLedger {

    static final String REDEEMED_TOPIC = Numeric.toHexString(Hash.sha3(
            "VoucherRedeemed(address,address,uint256,uint256,uint256,bytes32)".getBytes(StandardCharsets.US_ASCII)));
    static final String DEPOSITED_TOPIC = Numeric.toHexString(Hash.sha3(
            "Deposited(address,uint256,uint256)".getBytes(StandardCharsets.US_ASCII)));

    private final ChainConfig config;
    private final int confirmations;
    private volatile Chain chain;
    private volatile Escrow escrow;
    private volatile Web3j web3j;

    public Web3jEscrowLedger(ChainConfig config, BillingConfig billing) {
        this.config = config;
        this.confirmations = billing.settlement().confirmations();
    }

    @Override
    public boolean configured() {
        return config.rpcUrl().isPresent() && config.escrowAddress().isPresent();
    }

    @Override
    public Eip712Domain domain() {
        return Eip712Domain.escrow(config.chainId(), escrowAddress());
    }

    @Override
    public Wei balanceOf(Address consumer) {
        try {
            return escrow().balanceOf(consumer);
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Allowance allowance(Address consumer) {
        try {
            Delegation d = escrow().delegation(consumer);
            return new Allowance(d.delegate(), d.cap(), d.spent());
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Standing standing(Address consumer) {
        try {
            Escrow e = escrow();
            Delegation d = e.delegation(consumer);
            return new Standing(e.balanceOf(consumer), e.pendingWithdrawal(consumer).amount(),
                    new Allowance(d.delegate(), d.cap(), d.spent()),
                    e.pendingDelegation(consumer).map(p -> new DelegationChange(p.delegate(), p.cap())));
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public long headBlock() {
        try {
            return web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        } catch (IOException | RuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<String> blockHash(long number) {
        try {
            EthBlock.Block block = web3j().ethGetBlockByNumber(new DefaultBlockParameterNumber(number), false).send().getBlock();
            return block == null ? Optional.empty() : Optional.of(block.getHash());
        } catch (IOException | RuntimeException e) {
            throw unavailable(e);
        }
    }

    @Override
    public List<EscrowEvent> events(long from, long to) {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), escrowAddress().value());
        filter.addOptionalTopics(REDEEMED_TOPIC, DEPOSITED_TOPIC);
        EthLog response;
        try {
            response = web3j().ethGetLogs(filter).send();
        } catch (IOException | RuntimeException e) {
            throw unavailable(e);
        }
        if (response.hasError()) {
            throw new ChainUnavailableException("eth_getLogs: " + response.getError().getMessage());
        }
        List<EscrowEvent> events = new ArrayList<>();
        for (EthLog.LogResult<?> result : response.getLogs()) {
            Log log = (Log) result.get();
            if (log.isRemoved()) {
                continue;
            }
            String topic = log.getTopics().get(0);
            byte[] data = Numeric.hexStringToByteArray(log.getData());
            long block = log.getBlockNumber().longValueExact();
            int index = log.getLogIndex().intValueExact();
            if (REDEEMED_TOPIC.equalsIgnoreCase(topic)) {
                events.add(new Redeemed(block, log.getBlockHash(), log.getTransactionHash(), index,
                        topicAddress(log.getTopics().get(1)), topicAddress(log.getTopics().get(2)),
                        word(data, 0), word(data, 1), word(data, 2), Numeric.toHexString(data, 96, 32, true)));
            } else if (DEPOSITED_TOPIC.equalsIgnoreCase(topic)) {
                events.add(new Deposited(block, log.getBlockHash(), log.getTransactionHash(), index,
                        topicAddress(log.getTopics().get(1)), word(data, 0), word(data, 1)));
            }
        }
        return events;
    }

    void close(@Observes ShutdownEvent event) {
        if (chain != null) {
            chain.close();
        }
        if (web3j != null) {
            web3j.shutdown();
        }
    }

    private static Address topicAddress(String topic) {
        return new Address("0x" + topic.substring(topic.length() - 40));
    }

    private static Wei word(byte[] data, int index) {
        byte[] word = new byte[32];
        System.arraycopy(data, index * 32, word, 0, 32);
        return new Wei(new BigInteger(1, word));
    }

    private Address escrowAddress() {
        return Address.parse(config.escrowAddress().orElseThrow(() -> new ChainUnavailableException("agora.chain.escrow-address is not set")));
    }

    private Escrow escrow() {
        if (escrow == null) {
            synchronized (this) {
                if (escrow == null) {
                    String url = config.rpcUrl().orElseThrow(() -> new ChainUnavailableException("agora.chain.rpc-url is not set"));
                    chain = Chain.connect(ChainSettings.of(url, config.chainId(), config.pollInterval(),
                            config.receiptTimeout(), Math.max(1, confirmations)));
                    escrow = chain.escrow(escrowAddress());
                }
            }
        }
        return escrow;
    }

    private Web3j web3j() {
        if (web3j == null) {
            synchronized (this) {
                if (web3j == null) {
                    web3j = Web3j.build(new HttpService(
                            config.rpcUrl().orElseThrow(() -> new ChainUnavailableException("agora.chain.rpc-url is not set"))));
                }
            }
        }
        return web3j;
    }

    private static ChainUnavailableException unavailable(Exception e) {
        if (e instanceof ChainUnavailableException c) {
            return c;
        }
        return new ChainUnavailableException("the chain node failed: " + e.getMessage());
    }
}
