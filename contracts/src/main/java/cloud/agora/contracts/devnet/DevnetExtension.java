package cloud.agora.contracts.devnet;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: one {@link Devnet} per test class (started before the first test, stopped after the last), handed
 * to any test, constructor or lifecycle method that takes a {@code Devnet} parameter.
 *
 * <pre>{@code
 * @ExtendWith(DevnetExtension.class)
 * class EscrowTest {
 *     @Test
 *     void pays(Devnet devnet) { ... }
 * }
 * }</pre>
 */
public final class DevnetExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DevnetExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        devnet(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Devnet.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return devnet(context);
    }

    private static Devnet devnet(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return classContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent("devnet", key -> new Running(Devnet.start()), Running.class)
                .devnet();
    }

    /** Closed by JUnit when the class's store is discarded. */
    private record Running(Devnet devnet) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            devnet.close();
        }
    }
}
