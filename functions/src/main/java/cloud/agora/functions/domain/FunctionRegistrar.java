package cloud.agora.functions.domain;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.persistence.FunctionStore;
import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

/**
 * Publishes function versions: validates the spec and the bundle, stores the bundle, then
 * records the immutable version. Nothing is recorded unless every check passed and the
 * store answered; the store call happens outside any database transaction.
 */
@ApplicationScoped
public class FunctionRegistrar {

    private final FunctionStore functions;
    private final BundleStore bundles;
    private final BundleInspector inspector;
    private final SecretSealer sealer;
    private final FunctionRules rules;
    private final Clock clock = Clock.systemUTC();

    public FunctionRegistrar(FunctionStore functions, BundleStore bundles, FunctionRules rules, FunctionsConfig config) {
        this.functions = functions;
        this.rules = rules;
        this.bundles = bundles;
        this.inspector = new BundleInspector(config.maxBundleBytes(), config.maxUnpackedBytes(), config.maxBundleEntries());
        this.sealer = new SecretSealer(Base64.getDecoder().decode(config.secretKey()));
    }

    /**
     * Publishes a new version of {@code spec.name()} for {@code owner} (the first one creates
     * the function), storing the bundle with the developer's own access token. Its timeout may not be above the
     * governed {@code functions.max-timeout} in effect ({@link FunctionRules}).
     */
    public FunctionVersion publish(Address owner, String bearerToken, FunctionSpec requested, byte[] bundle) {
        FunctionSpec spec = requested.validated(rules.inEffect().maxTimeoutMillis());
        functions.find(spec.name()).filter(f -> !f.owner().equals(owner)).ifPresent(f -> {
            throw new FunctionNameTakenException("the name '" + spec.name() + "' belongs to another developer",
                    Map.of("function", spec.name()));
        });
        BundleInspector.Summary summary = inspector.inspect(bundle, spec.entrypoint());
        BundleStore.StoredBundle stored = bundles.store(bundle, bearerToken);
        int version = functions.addVersion(owner, spec, stored, summary, sealer, clock.instant());
        FunctionStore.FunctionRow row = functions.find(spec.name()).orElseThrow();
        return functions.versions(row).stream().filter(v -> v.version() == version).findFirst().orElseThrow();
    }

    /** The sealer, for the invocation path that passes secrets to the agent. */
    public SecretSealer sealer() {
        return sealer;
    }
}
