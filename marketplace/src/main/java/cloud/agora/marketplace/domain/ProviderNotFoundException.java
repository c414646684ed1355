package cloud.agora.marketplace.domain;

import cloud.agora.support.problem.ProblemException;
import java.util.Map;

/** No provider registered with this address. */
public class ProviderNotFoundException extends ProblemException {

    public ProviderNotFoundException(cloud.agora.protocol.eth.Address address) {
        super(404, "provider-not-found", "Provider not found", "no provider registered as " + address + " (POST /api/v1/providers first)", Map.of("provider", address.checksummed()));
    }
}
