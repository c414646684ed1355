package cloud.agora.contracts.devnet;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: a {@link Devnet} for the application under test. Its configuration
 * ({@link Devnet#config()}: {@code agora.chain.rpc-url}, {@code agora.chain.chain-id},
 * {@code agora.chain.escrow-address}, {@code agora.chain.token-address}, {@code agora.chain.executor-key}, the
 * dev accounts, {@code agora.devnet.timelock-address}) is handed to the application, and a test field annotated
 * {@link InjectDevnet} receives the devnet itself.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(DevnetResource.class)
 * class SettlementTest {
 *     @InjectDevnet Devnet devnet;
 * }
 * }</pre>
 */
public class DevnetResource implements QuarkusTestResourceLifecycleManager {

    private Devnet devnet;

    @Override
    public Map<String, String> start() {
        devnet = Devnet.start();
        return devnet.config();
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(devnet, new TestInjector.AnnotatedAndMatchesType(InjectDevnet.class, Devnet.class));
    }

    @Override
    public void stop() {
        if (devnet != null) {
            devnet.close();
            devnet = null;
        }
    }
}
