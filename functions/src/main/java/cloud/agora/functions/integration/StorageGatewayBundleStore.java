package cloud.agora.functions.integration;

import cloud.agora.functions.domain.bundle.BundleStore;
import cloud.agora.functions.domain.bundle.StorageUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/** {@link BundleStore} on the storage gateway, uploading as the developer (their bearer token). */
@ApplicationScoped
public class StorageGatewayBundleStore implements BundleStore {

    private static final Logger LOG = Logger.getLogger(StorageGatewayBundleStore.class);

    private final StorageGatewayClient gateway;

    public StorageGatewayBundleStore(@RestClient StorageGatewayClient gateway) {
        this.gateway = gateway;
    }

    @Override
    public StoredBundle store(byte[] bundle, String bearerToken) {
        try {
            StorageGatewayClient.StoredObject stored = gateway.store("Bearer " + bearerToken, bundle);
            if (stored == null || stored.cid() == null || stored.cid().isBlank() || stored.size() != bundle.length) {
                throw new StorageUnavailableException("the storage gateway's answer does not describe the uploaded bundle");
            }
            return new StoredBundle(stored.cid(), stored.size());
        } catch (WebApplicationException e) {
            LOG.warnf("storage gateway refused a bundle: HTTP %d", e.getResponse().getStatus());
            throw new StorageUnavailableException("the storage gateway answered HTTP " + e.getResponse().getStatus());
        } catch (ProcessingException e) {
            LOG.warnf("storage gateway unreachable: %s", e.getMessage());
            throw new StorageUnavailableException("the storage gateway cannot be reached");
        }
    }
}
