package cloud.agora.functions.api;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.testsupport.Wallet;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A fresh gateway key in a temporary key file ({@code agora.functions.gateway-key-file}). */
public class GatewayKeyResource implements QuarkusTestResourceLifecycleManager {

    /** The gateway's key: the witness batches it publishes must be signed by this address. */
    public static final Wallet KEY = Wallet.random();

    private Path file;

    @Override
    public Map<String, String> start() {
        try {
            file = Files.createTempFile("gateway", ".key");
            Files.writeString(file, KeyFiles.toHex(KEY.key()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("agora.functions.gateway-key-file", file.toString());
    }

    @Override
    public void stop() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file
        }
    }

    static Address address() {
        return KEY.address();
    }
}
