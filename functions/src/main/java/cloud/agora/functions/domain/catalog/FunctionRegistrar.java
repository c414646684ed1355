package cloud.agora.functions.domain.catalog;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.functions.domain.bundle.BundleInspector;
import cloud.agora.functions.domain.bundle.BundleStore;
import cloud.agora.functions.domain.bundle.InvalidBundleException;
import cloud.agora.functions.domain.bundle.InvalidImageException;
import cloud.agora.functions.domain.limits.FunctionRules;
import cloud.agora.functions.persistence.FunctionStore;
import cloud.agora.oci.ImageRejectedException;
import cloud.agora.oci.OciImages;
import cloud.agora.oci.OciLimits;
import cloud.agora.oci.VerifiedImage;
import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private final Clock clock;
    private final OciLimits imageLimits;

    public FunctionRegistrar(FunctionStore functions, BundleStore bundles, FunctionRules rules, FunctionsConfig config,
            Clock clock) {
        this.clock = clock;
        this.functions = functions;
        this.rules = rules;
        this.bundles = bundles;
        this.inspector = new BundleInspector(config.maxBundleBytes(), config.maxUnpackedBytes(), config.maxBundleEntries());
        this.sealer = new SecretSealer(Base64.getDecoder().decode(config.secretKey()));
        this.imageLimits = new OciLimits(config.maxImageBytes(), config.maxImageUnpackedBytes(), config.maxImageEntries());
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
        BundleInspector.Summary summary = FunctionRuntime.byId(spec.runtime()).orElseThrow().isImage()
                ? inspectImage(bundle) : inspector.inspect(bundle, spec.entrypoint());
        BundleStore.StoredBundle stored = bundles.store(bundle, bearerToken);
        int version = functions.addVersion(owner, spec, stored, summary, sealer, clock.instant());
        RegisteredFunction row = functions.find(spec.name()).orElseThrow();
        return functions.versions(row).stream().filter(v -> v.version() == version).findFirst().orElseThrow();
    }

    /**
     * An image function's archive, verified as every agent will before running it (each blob's digest, the config's,
     * each layer's diff id, and every entry of every layer: no device node, setuid file, path or whiteout escaping the
     * root, write through a link), so that a developer learns at publish time what no provider would run. The
     * governed {@code functions.max-image-size} bounds the archive.
     */
    private BundleInspector.Summary inspectImage(byte[] archive) {
        if (archive == null || archive.length == 0) {
            throw new InvalidBundleException("the bundle is empty: an image function's bundle is its image archive");
        }
        rules.inEffect().checkImage(archive.length);
        Path file = null;
        try {
            file = Files.createTempFile("agora-image-", ".tar");
            Files.write(file, archive);
            VerifiedImage image = OciImages.verify(file, new OciLimits(archive.length, imageLimits.maxUnpackedBytes(),
                    imageLimits.maxEntries()));
            return new BundleInspector.Summary(archive.length, image.entries(), image.unpackedBytes());
        } catch (ImageRejectedException e) {
            throw InvalidImageException.rejected(e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the uploaded image: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a temporary file: the system's cleaner removes it
                }
            }
        }
    }

    /** The sealer, for the invocation path that passes secrets to the agent. */
    public SecretSealer sealer() {
        return sealer;
    }
}
