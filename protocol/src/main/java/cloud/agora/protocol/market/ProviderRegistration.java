package cloud.agora.protocol.market;

import cloud.agora.protocol.eth.Address;
import java.util.Map;

/**
 * What a provider tells the marketplace when it joins.
 *
 * @param address    the provider's account (it must be the signed-in caller)
 * @param endpoint   the HTTPS base URL of its agent
 * @param region     where its machines are (e.g. {@code eu-west})
 * @param attributes free-form capabilities bids can require (e.g. {@code runtime.runc=true})
 */
public record ProviderRegistration(Address address, String endpoint, String region, Map<String, String> attributes) {
}
