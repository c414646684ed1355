package cloud.agora.functions.domain.invocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.testsupport.Wallet;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The gateway key is required: without a readable key the service stops at start, saying which setting to fix. */
class GatewayKeyTest {

    static FunctionsConfig keyAt(Path file) {
        return (FunctionsConfig) Proxy.newProxyInstance(FunctionsConfig.class.getClassLoader(),
                new Class<?>[] {FunctionsConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("gatewayKeyFile")) {
                        return file;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aMissingOrUnreadableKeyFileStopsTheStartNamingTheSetting() throws Exception {
        Path missing = Path.of("/nonexistent/gateway.key");
        assertThatThrownBy(() -> new GatewayKey(keyAt(missing))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("agora.functions.gateway-key-file").hasMessageContaining("AGORA_FUNCTIONS_GATEWAY_KEY_FILE")
                .hasMessageContaining(missing.toString());
        Path garbage = Files.createTempFile("gateway", ".key");
        try {
            Files.writeString(garbage, "not a key");
            assertThatThrownBy(() -> new GatewayKey(keyAt(garbage))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("agora.functions.gateway-key-file");
        } finally {
            Files.delete(garbage);
        }
    }

    @Test
    void aReadableKeyGivesTheGatewaysAddress() throws Exception {
        Wallet wallet = Wallet.random();
        Path file = Files.createTempFile("gateway", ".key");
        try {
            Files.writeString(file, KeyFiles.toHex(wallet.key()));
            assertThat(new GatewayKey(keyAt(file)).address()).isEqualTo(wallet.address());
        } finally {
            Files.delete(file);
        }
    }
}
