package cloud.agora.functions.domain.catalog;

import cloud.agora.functions.persistence.FunctionStore;
import cloud.agora.protocol.eth.Address;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Reads and deletes a developer's functions. Every method is owner-only: another
 * developer's function is reported as not found.
 */
@ApplicationScoped
public class FunctionCatalog {

    private final FunctionStore functions;

    public FunctionCatalog(FunctionStore functions) {
        this.functions = functions;
    }

    /** The caller's functions, by name. */
    public List<FunctionSummary> list(Address owner) {
        return functions.list(owner);
    }

    /** The caller's function {@code name}. */
    public FunctionSummary get(Address owner, String name) {
        RegisteredFunction row = owned(owner, name);
        List<FunctionVersion> versions = functions.versions(row);
        return new FunctionSummary(row.name(), row.owner(), versions.get(versions.size() - 1).version(), versions.size(),
                row.createdAt());
    }

    /** Every version of the caller's function, oldest first. */
    public List<FunctionVersion> versions(Address owner, String name) {
        return functions.versions(owned(owner, name));
    }

    /** One version of the caller's function. */
    public FunctionVersion version(Address owner, String name, int version) {
        return versions(owner, name).stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> new VersionNotFoundException(name, version));
    }

    /** Deletes the caller's function with all its versions (the stored bundles stay: content-addressed, maybe shared). */
    public void delete(Address owner, String name) {
        functions.delete(owned(owner, name));
    }

    /** The function row if {@code owner} owns it. */
    public RegisteredFunction owned(Address owner, String name) {
        return functions.find(name).filter(f -> f.owner().equals(owner))
                .orElseThrow(() -> new FunctionNotFoundException(name));
    }
}
