package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Bytes32;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * An operation of a {@code TimelockController}: its calls, the operation it must follow ({@link Bytes32#ZERO} for
 * none) and a salt that tells apart operations with the same calls. One call is scheduled with {@code schedule}, more
 * with {@code scheduleBatch}; {@link #id()} is what the contract computes for each ({@code hashOperation} or
 * {@code hashOperationBatch}), so an operation is known, and looked up, before it is sent.
 */
public record TimelockOperation(List<TimelockCall> calls, Bytes32 predecessor, Bytes32 salt) {

    public TimelockOperation {
        Objects.requireNonNull(predecessor, "predecessor");
        Objects.requireNonNull(salt, "salt");
        calls = List.copyOf(calls);
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("an operation makes at least one call");
        }
    }

    /** An operation of {@code calls} with no predecessor. */
    public static TimelockOperation of(List<TimelockCall> calls, Bytes32 salt) {
        return new TimelockOperation(calls, Bytes32.ZERO, salt);
    }

    /** {@code keccak256} of {@code text} as UTF-8: a salt derived from a name. */
    public static Bytes32 saltOf(String text) {
        return Bytes32.of(Hash.sha3(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether it is a batch (scheduled and executed with the {@code *Batch} functions). */
    public boolean batch() {
        return calls.size() > 1;
    }

    /**
     * The operation id: {@code keccak256(abi.encode(target, value, data, predecessor, salt))} for one call,
     * {@code keccak256(abi.encode(targets, values, payloads, predecessor, salt))} for a batch.
     */
    public Bytes32 id() {
        List<Type> fields = new ArrayList<>();
        if (batch()) {
            fields.add(new DynamicArray<>(org.web3j.abi.datatypes.Address.class,
                    calls.stream().map(c -> new org.web3j.abi.datatypes.Address(c.target().value())).toList()));
            fields.add(new DynamicArray<>(Uint256.class, calls.stream().map(c -> new Uint256(BigInteger.ZERO)).toList()));
            fields.add(new DynamicArray<>(DynamicBytes.class,
                    calls.stream().map(c -> new DynamicBytes(Numeric.hexStringToByteArray(c.data()))).toList()));
        } else {
            TimelockCall call = calls.get(0);
            fields.add(new org.web3j.abi.datatypes.Address(call.target().value()));
            fields.add(new Uint256(BigInteger.ZERO));
            fields.add(new DynamicBytes(Numeric.hexStringToByteArray(call.data())));
        }
        fields.add(new org.web3j.abi.datatypes.generated.Bytes32(predecessor.toBytes()));
        fields.add(new org.web3j.abi.datatypes.generated.Bytes32(salt.toBytes()));
        return Bytes32.of(Hash.sha3(Numeric.hexStringToByteArray(FunctionEncoder.encodeConstructor(fields))));
    }
}
