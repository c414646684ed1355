package cloud.agora.contracts.devnet;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainException;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.EscrowParameters;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.chain.Token;
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
 * A local chain ready for the platform: {@link Anvil} running, {@code AgoraToken} and {@code AgoraEscrow}
 * deployed, and funded dev keys to hand out. For tests ({@link DevnetExtension}, {@link DevnetResource}) and
 * for the one-machine platform.
 *
 * <p>Roles of the dev accounts ({@link DevKeys}), each funded with 10,000 ETH and holding
 * {@link #HOLDER_ALLOCATION} AGORA: 0 deploys the contracts and is the escrow's governance executor;
 * 1 is the treasury; 2 a developer (consumer); 3 a provider; 4 a billing delegate key; 5 to 9 free.
 * {@link #newAccount()} creates further funded accounts with no tokens.
 *
 * <p>With a state file ({@link Anvil.Options#withStateFile}) a restarted devnet finds its contracts where it
 * left them (they are deployed by account 0 with nonces 0 and 1, so their addresses are fixed) and does not
 * deploy them again.
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
    /** AGORA each dev account receives at deployment: one million tokens (18 decimals). */
    public static final BigInteger HOLDER_ALLOCATION = BigInteger.TEN.pow(24);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Anvil anvil;
    private final Chain chain;
    private final Token token;
    private final Escrow escrow;
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
            if (chain.hasCode(tokenAddress) && chain.hasCode(escrowAddress)) {
                Escrow escrow = chain.escrow(escrowAddress);
                requireCurrent(escrow, options);
                return new Devnet(anvil, chain, chain.token(tokenAddress), escrow);
            }
            Map<Address, BigInteger> allocations = new LinkedHashMap<>();
            DevKeys.all().forEach(key -> allocations.put(key.address(), HOLDER_ALLOCATION));
            Token token = chain.deployToken(deployer, allocations);
            Escrow escrow = chain.deployEscrow(deployer,
                    new EscrowParameters(deployer.address(), DevKeys.get(1).address(), FEE_BPS, WITHDRAWAL_DELAY,
                            MIN_WITHDRAWAL_DELAY));
            return new Devnet(anvil, chain, token, escrow);
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

    /** The escrow's governance executor (account 0). */
    public Signer executor() {
        return DevKeys.get(0);
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
     * {@code .token-address}, {@code .escrow-address}, {@code .treasury-address}, {@code .executor-key}, and for
     * each dev account i {@code agora.devnet.accounts.i.address} and {@code .key}.
     */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("agora.chain.rpc-url", rpcUrl());
        config.put("agora.chain.chain-id", Long.toString(chainId()));
        config.put("agora.chain.token-address", token.address().checksummed());
        config.put("agora.chain.escrow-address", escrow.address().checksummed());
        config.put("agora.chain.treasury-address", treasury().address().checksummed());
        config.put("agora.chain.executor-key", executor().privateKeyHex());
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
