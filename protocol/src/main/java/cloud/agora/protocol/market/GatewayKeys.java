package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import java.util.List;

/**
 * The platform's gateway keys, as the marketplace publishes them at {@code GET /api/v1/gateways}: agents that are not
 * configured with them learn from here whose grants to accept.
 *
 * @param functions the functions gateways' addresses (they sign invocation grants and witness receipts)
 * @param storage   the storage gateways' addresses (they sign storage grants)
 */
public record GatewayKeys(List<Address> functions, List<Address> storage) {

    public GatewayKeys {
        functions = functions == null ? List.of() : List.copyOf(functions);
        storage = storage == null ? List.of() : List.copyOf(storage);
    }
}
