package cloud.agora.storage.integration;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.usage.UsageReceipt;
import cloud.agora.storage.config.StorageConfig;
import cloud.agora.storage.domain.replica.GatewayWitness;
import cloud.agora.storage.domain.replica.ReplicationException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.web3j.crypto.ECKeyPair;

/**
 * The storage gateway's own Ethereum key ({@code agora.storage.key-file}): it signs in to the marketplace (so it
 * places the storage bids and brokers their leases), signs the storage grants agents demand before serving a lease,
 * and witnesses the storage periods a replica held. Read once, on first use, so a gateway without replication needs
 * no key.
 */
@ApplicationScoped
public class GatewayKey implements GatewayWitness {

    private final Optional<Path> file;
    private ECKeyPair key;

    public GatewayKey(StorageConfig config) {
        this.file = config.keyFile();
    }

    /**
     * The key pair.
     *
     * @throws ReplicationException when no key file is configured or it cannot be read
     */
    public synchronized ECKeyPair key() {
        if (key == null) {
            Path path = file.orElseThrow(() -> new ReplicationException(
                    "replication needs the gateway's key: set AGORA_STORAGE_KEY_FILE (agora.storage.key-file)"));
            try {
                key = KeyFiles.read(path);
            } catch (IOException | RuntimeException e) {
                throw new ReplicationException("cannot read the gateway's key file " + path + ": " + e.getMessage(), e);
            }
        }
        return key;
    }

    @Override
    public UsageReceipt counterSign(UsageReceipt receipt) {
        return receipt.counterSignedByGateway(key());
    }

    /** The gateway's address, or empty when no key file is configured. */
    public Optional<Address> address() {
        return file.map(f -> PersonalSignature.addressOf(key()));
    }
}
