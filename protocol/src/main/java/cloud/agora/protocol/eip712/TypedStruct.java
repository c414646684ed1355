package cloud.agora.protocol.eip712;

import java.util.List;
import java.util.Map;

/**
 * A struct that can be signed as EIP-712 typed data. Implementations hash themselves exactly as
 * {@code keccak256(abi.encode(TYPEHASH, ...))} does in the verifying contract.
 */
public sealed interface TypedStruct permits Voucher, Vote {

    /** The primary type's name, e.g. {@code Voucher}. */
    String typeName();

    /** The fields in declaration order, as {@code eth_signTypedData_v4} lists them. */
    List<Field> fields();

    /** The message as JSON-ready values (numbers as decimal strings, addresses and bytes as hex). */
    Map<String, Object> message();

    /** {@code hashStruct(message)}. */
    Bytes32 hashStruct();

    /** {@code Name(type1 name1,...)}: the string whose hash is the type hash. */
    default String encodeType() {
        StringBuilder out = new StringBuilder(typeName()).append('(');
        for (int i = 0; i < fields().size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(fields().get(i).type()).append(' ').append(fields().get(i).name());
        }
        return out.append(')').toString();
    }

    /** One member of a struct type: its name and Solidity type. */
    record Field(String name, String type) {
    }
}
