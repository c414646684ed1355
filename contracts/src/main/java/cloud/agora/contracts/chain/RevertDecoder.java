package cloud.agora.contracts.chain;

import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eth.Address;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Turns revert data into a {@link ContractRevertedException}: the first four bytes select a custom error
 * declared in the contracts' ABIs (ours and the OpenZeppelin errors they can raise), the rest are its
 * ABI-encoded arguments. {@code Error(string)} and {@code Panic(uint256)} are known too.
 */
final class RevertDecoder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ABI_FOLDER = "/cloud/agora/contracts/solidity/";

    private final Map<String, ErrorAbi> bySelector = new HashMap<>();

    private record ErrorAbi(String name, List<String> types) {
    }

    RevertDecoder() {
        add("Error", List.of("string"));
        add("Panic", List.of("uint256"));
        addAbiResource("AgoraEscrow.abi");
        addAbiResource("AgoraToken.abi");
        addAbiResource("AgoraTimelock.abi");
    }

    /** Also knows the errors of the ABI at {@code resource} (in the contracts' ABI folder), if it exists. */
    RevertDecoder addAbiResource(String resource) {
        try (InputStream in = RevertDecoder.class.getResourceAsStream(ABI_FOLDER + resource)) {
            if (in != null) {
                addAbi(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Also knows the errors of {@code abiJson}. */
    RevertDecoder addAbi(String abiJson) {
        try {
            for (JsonNode entry : JSON.readTree(abiJson)) {
                if ("error".equals(entry.path("type").asText())) {
                    List<String> types = new ArrayList<>();
                    entry.path("inputs").forEach(input -> types.add(input.path("type").asText()));
                    add(entry.path("name").asText(), types);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not an ABI", e);
        }
        return this;
    }

    private void add(String name, List<String> types) {
        String signature = name + "(" + String.join(",", types) + ")";
        String selector = Numeric.toHexString(Hash.sha3(signature.getBytes(StandardCharsets.UTF_8))).substring(0, 10);
        bySelector.put(selector, new ErrorAbi(name, types));
    }

    /** The exception for {@code revertData} (0x hex, possibly empty or null). */
    ContractRevertedException decode(String revertData) {
        String data = revertData == null ? "0x" : revertData.toLowerCase();
        if (data.length() < 10) {
            return new ContractRevertedException("unknown", List.of(), data);
        }
        ErrorAbi abi = bySelector.get(data.substring(0, 10));
        if (abi == null) {
            return new ContractRevertedException("unknown", List.of(data.substring(0, 10)), data);
        }
        try {
            List<TypeReference<Type>> references = new ArrayList<>();
            for (String type : abi.types()) {
                references.add(TypeReference.makeTypeReference(type));
            }
            List<Type> values = FunctionReturnDecoder.decode("0x" + data.substring(10), references);
            List<Object> args = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                args.add(toJava(abi.types().get(i), values.get(i)));
            }
            return new ContractRevertedException(abi.name(), args, data);
        } catch (ClassNotFoundException | RuntimeException e) {
            return new ContractRevertedException(abi.name(), List.of(), data);
        }
    }

    private static Object toJava(String type, Type value) {
        if (type.equals("address")) {
            return new Address(value.getValue().toString());
        }
        if (type.equals("bytes32")) {
            return Bytes32.of((byte[]) value.getValue());
        }
        return value.getValue();
    }
}
