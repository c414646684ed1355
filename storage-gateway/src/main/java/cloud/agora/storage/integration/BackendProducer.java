package cloud.agora.storage.integration;

import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.ContentBackend;
import cloud.agora.storage.integration.blockstore.EmbeddedBlockstore;
import cloud.agora.storage.integration.kubo.KuboBackend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

/** Chooses the backend by {@code agora.storage.backend}; only the chosen one is created. */
@ApplicationScoped
public class BackendProducer {

    private static final Logger LOG = Logger.getLogger(BackendProducer.class);

    @Produces
    @ApplicationScoped
    ContentBackend backend(StorageConfig config, Instance<EmbeddedBlockstore> embedded, Instance<KuboBackend> kubo) {
        ContentBackend chosen = switch (config.backend()) {
            case EMBEDDED -> embedded.get();
            case KUBO -> kubo.get();
        };
        LOG.infof("blocks are held by the %s backend", chosen.name());
        return chosen;
    }
}
