package cloud.agora.contracts.devnet;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainException;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.EscrowParameters;
import cloud.agora.contracts.chain.OperationState;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.chain.Timelock;
import cloud.agora.contracts.chain.TimelockOperation;
import cloud.agora.contracts.chain.TimelockParameters;
import cloud.agora.contracts.chain.Token;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.crypto.ContractUtils;
import org.web3j.crypto.Keys;

/**
 * A local chain ready for the platform: {@link Anvil} running, {@code AgoraToken}, {@code AgoraEscrow} and the
 * {@code AgoraTimelock} that is the escrow's executor deployed, and funded dev keys to hand out. For tests
 * ({@link DevnetExtension}, {@link DevnetResource}) and for the one-machine platform.
 *
 * <p>Roles of the dev accounts ({@link DevKeys}), each funded with 10,000 ETH and holding
 * {@link #HOLDER_ALLOCATION} AGORA: 0 deploys the contracts and is governance's key, the timelock's proposer and
 * executor; 1 is the treasury and the timelock's guardian (it may cancel a scheduled change); 2 a developer
 * (consumer); 3 a provider; 4 a billing delegate key; 5 to 9 free. {@link #newAccount()} creates further funded
 * accounts with no tokens.
 *
 * <p>The escrow is deployed with account 0 as its executor, which then hands the role to the timelock as any
 * deployment would: {@code proposeExecutor(timelock)}, then {@code acceptExecutor()} scheduled and executed
 * through the timelock (the devnet moves block time over the delay). From then on only an operation that waited
 * {@link #TIMELOCK_DELAY} changes the escrow's parameters.
 *
 * <p>With a state file ({@link Anvil.Options#withStateFile}) a restarted devnet finds its contracts where it
 * left them (token and escrow are deployed by account 0 with nonces 0 and 1, so their addresses are fixed; the
 * timelock is the escrow's executor) and does not deploy them again; a state whose escrow is still governed by
 * account 0 (written by an earlier build) gets its timelock then.
 */
public final class Devnet implements AutoCloseable {

    /** The platform fee the escrow starts with: 1 %. */
    public static final int FEE_BPS = 100;
    /** The withdrawal delay the escrow starts with (also the delay of a delegation change that narrows). */
    public static final Duration WITHDRAWAL_DELAY = Duration.ofHours(1);
    /**
     * The floor of the devnet escrow's withdrawal delay: the lowest the contract accepts, so that the local
     * platform's developers wait an hour, not a day; tests skip it with {@link #increaseTime}.
     */
    public static final Duration MIN_WITHDRAWAL_DELAY = EscrowParameters.LOWEST_MIN_WITHDRAWAL_DELAY;
    /**
     * The devnet timelock's delay, and the floor under it: a second, so that tests and the local platform wait
     * little (a public deployment's floor is {@link TimelockParameters#PRODUCTION_MIN_DELAY_FLOOR}).
     */
    public static final Duration TIMELOCK_DELAY = Duration.ofSeconds(1);
    /** The lowest delay a vote can give the devnet timelock. */
    public static final Duration TIMELOCK_FLOOR = Duration.ofSeconds(1);
    /** The dev account that guards the timelock (may cancel scheduled operations): account 1. */
    public static final int GUARDIAN_ACCOUNT = 1;
    /** AGORA each dev account receives at deployment: one million tokens (18 decimals). */
    public static final BigInteger HOLDER_ALLOCATION = BigInteger.TEN.pow(24);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Anvil anvil;
    private final Chain chain;
    private final Token token;
    private final Escrow escrow;
    private Timelock timelock;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicLong rpcIds = new AtomicLong();

    private Devnet(Anvil anvil, Chain chain, Token token, Escrow escrow) {
        this.anvil = anvil;
        this.chain = chain;
        this.token = token;
        this.escrow = escrow;
    }

    /** Starts a throw-away devnet on a free port. */
    public static Devnet start() {
        return start(Anvil.Options.defaults());
    }

    /** Starts Anvil with {@code options} and deploys the contracts (unless its state already holds them). */
    public static Devnet start(Anvil.Options options) {
        Anvil anvil = Anvil.start(options);
        Chain chain = null;
        try {
            chain = Chain.connect(ChainSettings.local(anvil.rpcUrl(), anvil.chainId()));
            Signer deployer = DevKeys.get(0);
            Address tokenAddress = createAddress(deployer.address(), 0);
            Address escrowAddress = createAddress(deployer.address(), 1);
            Devnet devnet;
            if (chain.hasCode(tokenAddress) && chain.hasCode(escrowAddress)) {
                Escrow escrow = chain.escrow(escrowAddress);
                requireCurrent(escrow, options);
                devnet = new Devnet(anvil, chain, chain.token(tokenAddress), escrow);
            } else {
                Map<Address, BigInteger> allocations = new LinkedHashMap<>();
                DevKeys.all().forEach(key -> allocations.put(key.address(), HOLDER_ALLOCATION));
                Token token = chain.deployToken(deployer, allocations);
                Escrow escrow = chain.deployEscrow(deployer,
                        new EscrowParameters(deployer.address(), DevKeys.get(1).address(), FEE_BPS, WITHDRAWAL_DELAY,
                                MIN_WITHDRAWAL_DELAY));
                devnet = new Devnet(anvil, chain, token, escrow);
            }
            devnet.timelock = devnet.escrowGovernedByTimelock(deployer);
            return devnet;
        } catch (RuntimeException e) {
            if (chain != null) {
                chain.close();
            }
            anvil.close();
            throw e;
        }
    }

    /**
     * A state file written by an older build holds an escrow without this build's functions, at the address this
     * build would deploy to: say so instead of failing later on a missing function.
     */
    private static void requireCurrent(Escrow escrow, Anvil.Options options) {
        try {
            escrow.minWithdrawalDelay();
        } catch (ChainException e) {
            throw new ChainException("the chain state " + options.stateFile()
                    + " holds an AgoraEscrow older than this build (no minWithdrawalDelay()): delete the state file"
                    + " so that the devnet deploys the current contracts", e);
        }
    }

    /**
     * The timelock that is the escrow's executor; when the escrow is still governed by {@code deployer}, deploys one
     * and hands it the role in two steps. Each step is looked up before it is sent, so an interrupted hand-over
     * resumes on the next start.
     */
    private Timelock escrowGovernedByTimelock(Signer deployer) {
        Address executor = escrow.executor();
        if (chain.hasCode(executor)) {
            return chain.timelock(executor);
        }
        if (!executor.equals(deployer.address())) {
            throw new ChainException("the devnet escrow's executor is " + executor + ", neither a timelock nor the deployer");
        }
        Timelock next = escrow.pendingExecutor().filter(chain::hasCode).map(chain::timelock).orElse(null);
        if (next == null) {
            next = chain.deployTimelock(deployer, new TimelockParameters(TIMELOCK_DELAY, TIMELOCK_FLOOR,
                    List.of(deployer.address()), List.of(deployer.address()), List.of(DevKeys.get(GUARDIAN_ACCOUNT).address())));
            escrow.proposeExecutor(deployer, next.address());
        }
        TimelockOperation accept = TimelockOperation.of(List.of(escrow.acceptExecutorCall()), Bytes32.ZERO);
        if (next.state(accept.id()) == OperationState.UNSET) {
            next.schedule(deployer, accept, next.minDelay());
        }
        for (int i = 0; i < 10 && next.state(accept.id()) == OperationState.WAITING; i++) {
            increaseTime(i == 0 ? next.minDelay() : Duration.ofSeconds(1));
        }
        if (next.state(accept.id()) == OperationState.READY) {
            next.execute(deployer, accept);
        }
        if (!escrow.executor().equals(next.address())) {
            throw new ChainException("the devnet timelock " + next.address() + " did not become the escrow's executor");
        }
        return next;
    }

    private static Address createAddress(Address deployer, long nonce) {
        return new Address(ContractUtils.generateContractAddress(deployer.value(), BigInteger.valueOf(nonce)));
    }

    public Anvil anvil() {
        return anvil;
    }

    /** A connection to the devnet (owned by it: do not close). */
    public Chain chain() {
        return chain;
    }

    public Token token() {
        return token;
    }

    public Escrow escrow() {
        return escrow;
    }

    public String rpcUrl() {
        return anvil.rpcUrl();
    }

    public long chainId() {
        return anvil.chainId();
    }

    /** Dev account {@code index} (see the roles above). */
    public Signer account(int index) {
        return DevKeys.get(index);
    }

    /** The escrow's executor: the timelock through which every parameter change waits its delay. */
    public Timelock timelock() {
        return timelock;
    }

    /**
     * Governance's key (account 0): the timelock's proposer and executor. It schedules and executes changes through
     * the timelock; it no longer holds the escrow's executor role itself.
     */
    public Signer governanceKey() {
        return DevKeys.get(0);
    }

    /** The timelock's guardian (account {@value #GUARDIAN_ACCOUNT}): may cancel a scheduled change during its delay. */
    public Signer guardian() {
        return DevKeys.get(GUARDIAN_ACCOUNT);
    }

    /** The treasury (account 1). */
    public Signer treasury() {
        return DevKeys.get(1);
    }

    /** A new account with a random key and 1,000 ETH, no tokens: for a test that needs a clean slate. */
    public Signer newAccount() {
        try {
            Signer signer = Signer.of(Keys.createEcKeyPair());
            setBalance(signer.address(), new Wei(BigInteger.TEN.pow(21)));
            return signer;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no secure random source", e);
        }
    }

    /** Sets {@code account}'s ether balance ({@code anvil_setBalance}). */
    public void setBalance(Address account, Wei balance) {
        rpc("anvil_setBalance", List.of(account.value(), "0x" + balance.value().toString(16)));
    }

    /** Moves block time forward by {@code duration} and mines a block carrying the new time. */
    public void increaseTime(Duration duration) {
        rpc("evm_increaseTime", List.of(duration.toSeconds()));
        mine(1);
    }

    /** Mines {@code blocks} empty blocks. */
    public void mine(int blocks) {
        rpc("anvil_mine", List.of("0x" + Integer.toHexString(blocks)));
    }

    /** Snapshots the chain's state; {@link #revert(String)} returns to it. */
    public String snapshot() {
        return rpc("evm_snapshot", List.of()).asText();
    }

    /** Returns to a {@link #snapshot()} (which is used up). */
    public void revert(String snapshotId) {
        if (!rpc("evm_revert", List.of(snapshotId)).asBoolean()) {
            throw new ChainException("no snapshot " + snapshotId);
        }
    }

    /**
     * The configuration a service needs to use this devnet: {@code agora.chain.rpc-url}, {@code .chain-id},
     * {@code .token-address}, {@code .escrow-address}, {@code .treasury-address}, {@code .executor-key}
     * (governance's key: the timelock's proposer and executor), for each dev account i
     * {@code agora.devnet.accounts.i.address} and {@code .key}, and {@code agora.devnet.timelock-address} (outside
     * {@code agora.chain.*}: the services that map that prefix do not all know a timelock; the guardian is account
     * {@value #GUARDIAN_ACCOUNT}).
     */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("agora.chain.rpc-url", rpcUrl());
        config.put("agora.chain.chain-id", Long.toString(chainId()));
        config.put("agora.chain.token-address", token.address().checksummed());
        config.put("agora.chain.escrow-address", escrow.address().checksummed());
        config.put("agora.chain.treasury-address", treasury().address().checksummed());
        config.put("agora.chain.executor-key", governanceKey().privateKeyHex());
        config.put("agora.devnet.timelock-address", timelock.address().checksummed());
        for (int i = 0; i < DevKeys.COUNT; i++) {
            config.put("agora.devnet.accounts." + i + ".address", DevKeys.get(i).address().checksummed());
            config.put("agora.devnet.accounts." + i + ".key", DevKeys.get(i).privateKeyHex());
        }
        return config;
    }

    /** Stops the connection and the node. */
    @Override
    public void close() {
        try {
            chain.close();
        } finally {
            anvil.close();
        }
    }

    private JsonNode rpc(String method, List<Object> params) {
        try {
            Map<String, Object> body = Map.of("jsonrpc", "2.0", "id", rpcIds.incrementAndGet(), "method", method, "params", params);
            HttpRequest request = HttpRequest.newBuilder(URI.create(rpcUrl()))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build();
            JsonNode response = JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
            if (response.has("error")) {
                throw new ChainException(method + " failed: " + response.get("error"));
            }
            return response.get("result");
        } catch (IOException e) {
            throw new ChainException(method + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChainException(method + " interrupted", e);
        }
    }
}
