package cloud.agora.storage.api;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.eth.Address;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** Access tokens as the platform issues them after sign-in, with the test profile's secret. */
final class Tokens {

    static final Address ALICE = Address.parse("0x00000000000000000000000000000000000a11ce");
    static final Address BOB = Address.parse("0x0000000000000000000000000000000000000b0b");

    private Tokens() {
    }

    static String tokenFor(Address address) {
        return new AccessTokens("storage-gateway-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1)).issue(address, Instant.now()).token();
    }
}
