package cloud.agora.contracts.chain;

import cloud.agora.contracts.wrappers.AgoraTimelock;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eth.Address;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.utils.Numeric;

/** {@link Timelock} through the generated {@link AgoraTimelock} wrapper (used only to encode and decode). */
final class Web3jTimelock extends Web3jContract<AgoraTimelock> implements Timelock {

    Web3jTimelock(Web3jChain chain, Address address, AgoraTimelock contract) {
        super(chain, address, contract);
    }

    @Override
    public Duration minDelay() {
        return Duration.ofSeconds(uint(contract.getMinDelay()).longValueExact());
    }

    @Override
    public Duration minDelayFloor() {
        return Duration.ofSeconds(uint(contract.minDelayFloor()).longValueExact());
    }

    @Override
    public boolean hasRole(Role role, Address account) {
        return (Boolean) chain.read(address, contract.hasRole(role.id().toBytes(), account.value())).get(0).getValue();
    }

    @Override
    public OperationState state(Bytes32 id) {
        BigInteger state = (BigInteger) chain.readAt(address, contract.getOperationState(id.toBytes()),
                DefaultBlockParameterName.PENDING).get(0).getValue();
        return OperationState.values()[state.intValueExact()];
    }

    @Override
    public Optional<Instant> readyAt(Bytes32 id) {
        long timestamp = ((BigInteger) chain.readAt(address, contract.getTimestamp(id.toBytes()),
                DefaultBlockParameterName.PENDING).get(0).getValue()).longValueExact();
        // 0: unset; 1: OpenZeppelin's mark for done
        return timestamp <= 1 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(timestamp));
    }

    @Override
    public boolean wasCancelled(Bytes32 id, long fromBlock) {
        return !chain.logs(address, fromBlock, EventEncoder.encode(AgoraTimelock.CANCELLED_EVENT), id.hex()).isEmpty();
    }

    @Override
    public TxReceipt schedule(Signer proposer, TimelockOperation operation, Duration delay) {
        BigInteger seconds = BigInteger.valueOf(delay.toSeconds());
        byte[] predecessor = operation.predecessor().toBytes();
        byte[] salt = operation.salt().toBytes();
        if (operation.batch()) {
            return send(proposer, contract.scheduleBatch(targets(operation), values(operation), payloads(operation),
                    predecessor, salt, seconds));
        }
        TimelockCall call = operation.calls().get(0);
        return send(proposer, contract.schedule(call.target().value(), BigInteger.ZERO, Numeric.hexStringToByteArray(call.data()),
                predecessor, salt, seconds));
    }

    @Override
    public TxReceipt execute(Signer executor, TimelockOperation operation) {
        byte[] predecessor = operation.predecessor().toBytes();
        byte[] salt = operation.salt().toBytes();
        if (operation.batch()) {
            return send(executor, contract.executeBatch(targets(operation), values(operation), payloads(operation),
                    predecessor, salt, BigInteger.ZERO));
        }
        TimelockCall call = operation.calls().get(0);
        return send(executor, contract.execute(call.target().value(), BigInteger.ZERO, Numeric.hexStringToByteArray(call.data()),
                predecessor, salt, BigInteger.ZERO));
    }

    @Override
    public TxReceipt cancel(Signer canceller, Bytes32 id) {
        return send(canceller, contract.cancel(id.toBytes()));
    }

    @Override
    public TimelockCall updateDelayCall(Duration delay) {
        return new TimelockCall(address, contract.updateDelay(BigInteger.valueOf(delay.toSeconds())).encodeFunctionCall());
    }

    @Override
    public TimelockCall recordCall(String record) {
        byte[] hash = org.web3j.crypto.Hash.sha3(record.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new TimelockCall(address, contract.getMinDelay().encodeFunctionCall() + Numeric.toHexStringNoPrefix(hash));
    }

    private static List<String> targets(TimelockOperation operation) {
        return operation.calls().stream().map(c -> c.target().value()).toList();
    }

    private static List<BigInteger> values(TimelockOperation operation) {
        return Collections.nCopies(operation.calls().size(), BigInteger.ZERO);
    }

    private static List<byte[]> payloads(TimelockOperation operation) {
        return operation.calls().stream().map(c -> Numeric.hexStringToByteArray(c.data())).toList();
    }
}
