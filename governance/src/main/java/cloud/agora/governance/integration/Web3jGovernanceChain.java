package cloud.agora.governance.integration;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainException;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.chain.Timelock;
import cloud.agora.contracts.chain.TimelockCall;
import cloud.agora.contracts.chain.TimelockOperation;
import cloud.agora.contracts.chain.Token;
import cloud.agora.governance.config.ChainConfig;
import cloud.agora.governance.domain.ChainUnavailableException;
import cloud.agora.governance.domain.GovernanceChain;
import cloud.agora.governance.domain.OnChainChanges;
import cloud.agora.governance.domain.Parameters;
import cloud.agora.governance.domain.ProposalChange;
import cloud.agora.governance.domain.TimelockStatus;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.Eip712Domain;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@link GovernanceChain} through the contracts module's chain port (which keeps web3j to itself). Governance's key
 * (the timelock's proposer and executor) comes from {@code agora.chain.executor-key-file} or
 * {@code agora.chain.executor-key}; it is read when first needed. The timelock is {@code agora.chain.timelock-address}
 * or, when that is not set, the escrow's executor; either way it must be the escrow's executor.
 *
 * <p>A proposal's changes become the calls {@code setFee}, {@code setWithdrawalDelay} (on the escrow),
 * {@code updateDelay} (on the timelock itself) and, for a service parameter, the timelock's {@code getMinDelay()} with
 * {@code keccak256("agora-governance:<name>=<value>")} appended (it changes nothing; the operation commits to the
 * change), in the proposal's order, with the salt {@code keccak256("agora-governance:proposal:<id>:created-block:<block>")}.
 */
@ApplicationScoped
public class Web3jGovernanceChain implements GovernanceChain {

    private final ChainConfig config;
    private volatile Chain chain;
    private volatile Signer executor;
    private volatile Timelock timelock;

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
    public String operationId(OnChainChanges changes) {
        return call(() -> operation(changes).id().hex());
    }

    @Override
    public TimelockStatus status(OnChainChanges changes) {
        return call(() -> {
            Timelock timelock = onChainTimelock();
            Bytes32 id = operation(changes).id();
            TimelockStatus.State state = TimelockStatus.State.valueOf(timelock.state(id).name());
            return new TimelockStatus(state, timelock.readyAt(id).orElse(null));
        });
    }

    @Override
    public boolean wasCancelled(OnChainChanges changes, long fromBlock) {
        return call(() -> onChainTimelock().wasCancelled(operation(changes).id(), fromBlock));
    }

    @Override
    public String schedule(OnChainChanges changes, Duration delay) {
        Timelock timelock = onChainTimelock();
        requireGuardians(timelock);
        Duration onChain = timelock.minDelay();
        return timelock.schedule(executor(), operation(changes), delay.compareTo(onChain) < 0 ? onChain : delay)
                .transactionHash();
    }

    @Override
    public String execute(OnChainChanges changes) {
        return onChainTimelock().execute(executor(), operation(changes)).transactionHash();
    }

    @Override
    public String cancel(OnChainChanges changes) {
        return onChainTimelock().cancel(executor(), operation(changes).id()).transactionHash();
    }

    @Override
    public TimelockView timelock() {
        return call(() -> {
            Timelock timelock = onChainTimelock();
            List<TimelockView.Guardian> guardians = guardians().stream()
                    .map(g -> new TimelockView.Guardian(g.checksummed(), timelock.hasRole(Timelock.Role.CANCELLER, g)))
                    .toList();
            String proposer = config.executorKey().isPresent() || config.executorKeyFile().isPresent()
                    ? executor().address().checksummed() : null;
            return new TimelockView(timelock.address().checksummed(), timelock.minDelay(), timelock.minDelayFloor(), proposer,
                    guardians);
        });
    }

    @Override
    public Duration timelockFloor() {
        return call(() -> onChainTimelock().minDelayFloor());
    }

    /** The timelock operation of {@code changes}: one call per change, in order, salted by the proposal. */
    private TimelockOperation operation(OnChainChanges changes) {
        Escrow escrow = escrow();
        Timelock timelock = onChainTimelock();
        List<TimelockCall> calls = changes.changes().stream().map(change -> callOf(escrow, timelock, change)).toList();
        return TimelockOperation.of(calls, TimelockOperation.saltOf(
                "agora-governance:proposal:" + changes.proposalId() + ":created-block:" + changes.createdBlock()));
    }

    private static TimelockCall callOf(Escrow escrow, Timelock timelock, ProposalChange change) {
        return switch (change.parameter()) {
            case Parameters.ESCROW_FEE -> escrow.setFeeCall(Integer.parseInt(change.value()));
            case Parameters.ESCROW_WITHDRAWAL_DELAY -> escrow.setWithdrawalDelayCall(Duration.parse(change.value()));
            case Parameters.TIMELOCK -> timelock.updateDelayCall(Duration.parse(change.value()));
            // a service parameter: the operation commits to it, and it waits (and may be cancelled) like the others
            default -> timelock.recordCall("agora-governance:" + change.parameter() + "=" + change.value());
        };
    }

    /** Refuses to schedule into a timelock where a configured guardian could not cancel (checked at every schedule). */
    private void requireGuardians(Timelock timelock) {
        for (Address guardian : guardians()) {
            if (!timelock.hasRole(Timelock.Role.CANCELLER, guardian)) {
                throw new IllegalStateException("the configured guardian " + guardian.checksummed()
                        + " cannot cancel on the timelock " + timelock.address() + ": nothing is scheduled until it can"
                        + " (grant it CANCELLER_ROLE through the timelock, or correct agora.chain.guardians)");
            }
        }
    }

    private List<Address> guardians() {
        return config.guardians().orElse(List.of()).stream().map(String::strip).filter(g -> !g.isEmpty()).map(Address::parse)
                .toList();
    }

    /** The escrow's executor, checked to be the configured timelock. */
    private Timelock onChainTimelock() {
        if (timelock == null) {
            Address executor = escrow().executor();
            Address configured = config.timelockAddress().filter(a -> !a.isBlank()).map(Address::parse).orElse(executor);
            if (!configured.equals(executor)) {
                throw new IllegalStateException("the escrow's executor is " + executor.checksummed() + ", not the timelock "
                        + configured.checksummed() + ": hand the role over (proposeExecutor, then acceptExecutor through the"
                        + " timelock) or correct agora.chain.timelock-address");
            }
            if (!chain().hasCode(configured)) {
                throw new IllegalStateException("the escrow's executor " + executor.checksummed() + " is a plain key, not a"
                        + " timelock: deploy an AgoraTimelock and hand it the executor role (see the contracts module)");
            }
            timelock = chain().timelock(configured);
        }
        return timelock;
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
                    chain = Chain.connect(ChainSettings.of(config.rpcUrl(), config.chainId(), config.pollInterval(),
                            config.receiptTimeout(), config.confirmations()));
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
