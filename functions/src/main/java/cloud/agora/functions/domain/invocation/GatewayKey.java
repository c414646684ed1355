package cloud.agora.functions.domain.invocation;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.web3j.crypto.ECKeyPair;

/**
 * The gateway's own Ethereum key ({@code agora.functions.gateway-key-file}): it signs every call's grant and witnesses
 * every receipt found within bounds. Required — a gateway without it could neither authorize a call nor witness a
 * receipt, so the service refuses to start (the key file is read when the application starts).
 */
@ApplicationScoped
@io.quarkus.runtime.Startup
public class GatewayKey {

    private final ECKeyPair key;
    private final Address address;

    public GatewayKey(FunctionsConfig config) {
        this.key = read(config.gatewayKeyFile());
        this.address = PersonalSignature.addressOf(key);
    }

    private static ECKeyPair read(Path file) {
        try {
            return KeyFiles.read(file);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("agora.functions.gateway-key-file (AGORA_FUNCTIONS_GATEWAY_KEY_FILE) must name a"
                    + " readable file holding the gateway's private key (64 hex digits): " + file + " cannot be read ("
                    + e.getMessage() + "); the gateway cannot sign grants or witness receipts without it", e);
        }
    }

    /** The key pair (signs grants and the witness batches of receipts). */
    public ECKeyPair pair() {
        return key;
    }

    /** The gateway's address: what agents list in {@code agent.gateways.functions} and billing in {@code agora.billing.gateways}. */
    public Address address() {
        return address;
    }
}
