package cloud.agora.contracts.chain;

import cloud.agora.contracts.wrappers.AgoraEscrow;
import cloud.agora.contracts.wrappers.AgoraTimelock;
import cloud.agora.contracts.wrappers.AgoraToken;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * {@link Chain} on web3j. Transactions are EIP-1559, signed locally for the configured chain id, simulated
 * first ({@code eth_estimateGas}) so that a revert is reported with its custom error before anything is sent,
 * then sent and waited for with bounded polling. Transactions from one sender are serialised in this process so
 * that their nonces do not collide.
 */
final class Web3jChain implements Chain {

    private static final BigInteger GAS_MARGIN_PERCENT = BigInteger.valueOf(120);

    private final ChainSettings settings;
    private final Web3j web3j;
    private final ScheduledExecutorService scheduler;
    private final RevertDecoder reverts = new RevertDecoder();
    private final Map<Address, Object> senderLocks = new ConcurrentHashMap<>();
    private volatile TxReceipt lastDeployment;

    private Web3jChain(ChainSettings settings, Web3j web3j, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.web3j = web3j;
        this.scheduler = scheduler;
    }

    static Web3jChain connect(ChainSettings settings) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "web3j-chain");
            thread.setDaemon(true);
            return thread;
        });
        Web3j web3j = Web3j.build(new HttpService(settings.rpcUrl()), settings.pollInterval().toMillis(), scheduler);
        Web3jChain chain = new Web3jChain(settings, web3j, scheduler);
        try {
            long nodeChainId = chain.rpc(web3j.ethChainId()).getChainId().longValueExact();
            if (nodeChainId != settings.chainId()) {
                throw new ChainException("the node at " + settings.rpcUrl() + " is chain " + nodeChainId
                        + ", not " + settings.chainId());
            }
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
        return chain;
    }

    @Override
    public long chainId() {
        return settings.chainId();
    }

    @Override
    public long blockNumber() {
        return rpc(web3j.ethBlockNumber()).getBlockNumber().longValueExact();
    }

    @Override
    public Wei etherBalance(Address account) {
        return new Wei(rpc(web3j.ethGetBalance(account.value(), DefaultBlockParameterName.LATEST)).getBalance());
    }

    @Override
    public boolean hasCode(Address account) {
        String code = rpc(web3j.ethGetCode(account.value(), DefaultBlockParameterName.LATEST)).getCode();
        return code != null && code.length() > 2;
    }

    @Override
    public Token deployToken(Signer deployer, Map<Address, BigInteger> allocations) {
        List<org.web3j.abi.datatypes.Address> holders = new ArrayList<>();
        List<Uint256> amounts = new ArrayList<>();
        allocations.forEach((holder, amount) -> {
            holders.add(new org.web3j.abi.datatypes.Address(holder.value()));
            amounts.add(new Uint256(amount));
        });
        String constructor = FunctionEncoder.encodeConstructor(List.of(
                new DynamicArray<>(org.web3j.abi.datatypes.Address.class, holders),
                new DynamicArray<>(Uint256.class, amounts)));
        return token(deploy(deployer, AgoraToken.BINARY + constructor));
    }

    @Override
    public Escrow deployEscrow(Signer deployer, EscrowParameters parameters) {
        String constructor = FunctionEncoder.encodeConstructor(List.<Type>of(
                new org.web3j.abi.datatypes.Address(parameters.executor().value()),
                new org.web3j.abi.datatypes.Address(parameters.treasury().value()),
                new Uint16(parameters.feeBps()),
                new Uint64(parameters.withdrawalDelay().toSeconds()),
                new Uint64(parameters.minWithdrawalDelay().toSeconds())));
        return escrow(deploy(deployer, AgoraEscrow.BINARY + constructor));
    }

    @Override
    public Timelock deployTimelock(Signer deployer, TimelockParameters parameters) {
        String constructor = FunctionEncoder.encodeConstructor(List.<Type>of(
                new Uint256(parameters.minDelay().toSeconds()),
                new Uint256(parameters.minDelayFloor().toSeconds()),
                addresses(parameters.proposers()),
                addresses(parameters.executors()),
                addresses(parameters.guardians())));
        return timelock(deploy(deployer, AgoraTimelock.BINARY + constructor));
    }

    private static DynamicArray<org.web3j.abi.datatypes.Address> addresses(List<Address> accounts) {
        return new DynamicArray<>(org.web3j.abi.datatypes.Address.class,
                accounts.stream().map(a -> new org.web3j.abi.datatypes.Address(a.value())).toList());
    }

    @Override
    public Token token(Address address) {
        return new Web3jToken(this, address, AgoraToken.load(address.value(), web3j,
                new ReadonlyTransactionManager(web3j, address.value()), new DefaultGasProvider()));
    }

    @Override
    public Escrow escrow(Address address) {
        return new Web3jEscrow(this, address, AgoraEscrow.load(address.value(), web3j,
                new ReadonlyTransactionManager(web3j, address.value()), new DefaultGasProvider()));
    }

    @Override
    public Timelock timelock(Address address) {
        return new Web3jTimelock(this, address, AgoraTimelock.load(address.value(), web3j,
                new ReadonlyTransactionManager(web3j, address.value()), new DefaultGasProvider()));
    }

    @Override
    public TxReceipt lastDeployment() {
        return lastDeployment;
    }

    @Override
    public void close() {
        web3j.shutdown();
        scheduler.shutdownNow();
    }

    private Address deploy(Signer deployer, String initCode) {
        TransactionReceipt receipt = send(deployer, null, BigInteger.ZERO, initCode);
        lastDeployment = toReceipt(receipt);
        return new Address(receipt.getContractAddress());
    }

    // ------------------------------------------------------------------ used by the contract views

    /** Calls {@code function} on {@code contract} at the latest block and decodes its result. */
    List<Type> read(Address contract, RemoteFunctionCall<?> function) {
        return readAt(contract, function, DefaultBlockParameterName.LATEST);
    }

    List<Type> readAt(Address contract, RemoteFunctionCall<?> function, DefaultBlockParameter block) {
        EthCall result = rpcRaw(web3j.ethCall(
                Transaction.createEthCallTransaction(null, contract.value(), function.encodeFunctionCall()), block));
        if (result.hasError()) {
            throw failure(result.getError());
        }
        return function.decodeFunctionResponse(result.getValue());
    }

    /** The logs of {@code contract} from {@code fromBlock} to the latest block whose topics start with {@code topics}. */
    List<org.web3j.protocol.core.methods.response.Log> logs(Address contract, long fromBlock, String... topics) {
        if (fromBlock > blockNumber()) {
            return List.of();   // nodes refuse a range that starts after the head
        }
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
                DefaultBlockParameterName.LATEST, contract.value());
        for (String topic : topics) {
            filter.addSingleTopic(topic);
        }
        List<org.web3j.protocol.core.methods.response.Log> logs = new ArrayList<>();
        for (EthLog.LogResult<?> result : rpc(web3j.ethGetLogs(filter)).getLogs()) {
            logs.add((org.web3j.protocol.core.methods.response.Log) result.get());
        }
        return logs;
    }

    /** Sends {@code function} to {@code contract} from {@code from}, with {@code value} wei attached. */
    TransactionReceipt write(Signer from, Address contract, RemoteFunctionCall<?> function, BigInteger value) {
        return send(from, contract.value(), value, function.encodeFunctionCall());
    }

    /** Sends calldata {@code data} to {@code contract} from {@code from} (no ether). */
    TransactionReceipt writeData(Signer from, Address contract, String data) {
        return send(from, contract.value(), BigInteger.ZERO, data);
    }

    /** The custom error in {@code revertData} (0x hex), as a revert of a transaction would report it. */
    ContractRevertedException decodeRevert(String revertData) {
        return reverts.decode(revertData);
    }

    TxReceipt toReceipt(TransactionReceipt receipt) {
        return new TxReceipt(receipt.getTransactionHash(), receipt.getBlockNumber().longValueExact(), receipt.getGasUsed(),
                Numeric.decodeQuantity(receipt.getEffectiveGasPrice()));
    }

    // ------------------------------------------------------------------ transactions

    private TransactionReceipt send(Signer from, String to, BigInteger value, String data) {
        String hash;
        synchronized (senderLocks.computeIfAbsent(from.address(), address -> new Object())) {
            String sender = from.address().value();
            Transaction simulation = to == null
                    ? Transaction.createContractTransaction(sender, null, null, null, value, data)
                    : Transaction.createFunctionCallTransaction(sender, null, null, null, to, value, data);
            EthEstimateGas estimate = rpcRaw(web3j.ethEstimateGas(simulation));
            if (estimate.hasError()) {
                throw failure(estimate.getError());
            }
            BigInteger gasLimit = estimate.getAmountUsed().multiply(GAS_MARGIN_PERCENT).divide(BigInteger.valueOf(100));
            BigInteger nonce = rpc(web3j.ethGetTransactionCount(sender, DefaultBlockParameterName.PENDING)).getTransactionCount();
            BigInteger tip = rpc(web3j.ethMaxPriorityFeePerGas()).getMaxPriorityFeePerGas();
            EthBlock.Block latest = rpc(web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)).getBlock();
            BigInteger maxFee = latest.getBaseFeePerGas().shiftLeft(1).add(tip);
            RawTransaction transaction = RawTransaction.createTransaction(
                    settings.chainId(), nonce, gasLimit, to == null ? "" : to, value, data, tip, maxFee);
            byte[] signed = TransactionEncoder.signMessage(transaction, settings.chainId(), Credentials.create(from.key()));
            EthSendTransaction sent = rpcRaw(web3j.ethSendRawTransaction(Numeric.toHexString(signed)));
            if (sent.hasError()) {
                throw failure(sent.getError());
            }
            hash = sent.getTransactionHash();
        }
        TransactionReceipt receipt = awaitReceipt(hash);
        if (!receipt.isStatusOK()) {
            throw replayFailure(from, to, value, data, receipt);
        }
        awaitConfirmations(hash, receipt.getBlockNumber().longValueExact());
        return receipt;
    }

    private TransactionReceipt awaitReceipt(String hash) {
        for (int poll = 0; poll < settings.maxPolls(); poll++) {
            Optional<TransactionReceipt> receipt = rpc(web3j.ethGetTransactionReceipt(hash)).getTransactionReceipt();
            if (receipt.isPresent()) {
                return receipt.get();
            }
            pause();
        }
        throw new ChainTimeoutException(hash, "transaction " + hash + " not mined after " + settings.maxPolls()
                + " polls every " + settings.pollInterval().toMillis() + " ms");
    }

    private void awaitConfirmations(String hash, long minedIn) {
        long needed = minedIn + settings.confirmations() - 1;
        for (int poll = 0; poll < settings.maxPolls(); poll++) {
            if (blockNumber() >= needed) {
                return;
            }
            pause();
        }
        throw new ChainTimeoutException(hash, "transaction " + hash + " has not reached " + settings.confirmations()
                + " confirmations after " + settings.maxPolls() + " polls");
    }

    /** A transaction that was mined but failed: re-run it as a call on the state before its block to learn why. */
    private ChainException replayFailure(Signer from, String to, BigInteger value, String data, TransactionReceipt receipt) {
        long block = receipt.getBlockNumber().longValueExact();
        Transaction replay = Transaction.createFunctionCallTransaction(from.address().value(), null, null, null, to, value, data);
        EthCall result = rpcRaw(web3j.ethCall(replay, DefaultBlockParameter.valueOf(BigInteger.valueOf(block - 1))));
        if (result.hasError()) {
            return failure(result.getError());
        }
        return new ContractRevertedException("unknown", List.of(receipt.getTransactionHash()), "0x");
    }

    private void pause() {
        try {
            Thread.sleep(settings.pollInterval().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChainException("interrupted while waiting for the chain", e);
        }
    }

    // ------------------------------------------------------------------ JSON-RPC plumbing

    /** A JSON-RPC error: a revert (with data) becomes a typed exception, anything else a {@link ChainException}. */
    private ChainException failure(Response.Error error) {
        String data = revertData(error.getData());
        if (data != null) {
            return reverts.decode(data);
        }
        if (error.getMessage() != null && error.getMessage().contains("revert")) {
            return reverts.decode("0x");
        }
        return new ChainException("the node refused: " + error.getMessage() + " (code " + error.getCode() + ")");
    }

    /** Nodes put revert data either as a hex string or inside an object ({@code {"data": "0x..."}}). */
    private static String revertData(String raw) {
        if (raw == null) {
            return null;
        }
        String text = raw.strip();
        if (text.startsWith("\"") && text.endsWith("\"")) {
            text = text.substring(1, text.length() - 1);
        }
        if (text.matches("0x[0-9a-fA-F]*")) {
            return text;
        }
        java.util.regex.Matcher nested = java.util.regex.Pattern.compile("\"data\"\\s*:\\s*\"(0x[0-9a-fA-F]*)\"").matcher(text);
        return nested.find() ? nested.group(1) : null;
    }

    private <T extends Response<?>> T rpc(org.web3j.protocol.core.Request<?, T> request) {
        T response = rpcRaw(request);
        if (response.hasError()) {
            throw failure(response.getError());
        }
        return response;
    }

    private <T extends Response<?>> T rpcRaw(org.web3j.protocol.core.Request<?, T> request) {
        try {
            return request.send();
        } catch (IOException e) {
            throw new ChainException("the node at " + settings.rpcUrl() + " did not answer: " + e.getMessage(), e);
        }
    }
}
