package cloud.agora.billing.domain;

import cloud.agora.billing.config.BillingConfig;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * Billing's delegate key: the key developers authorize on chain (with a cap) so that billing signs their vouchers.
 * Read once from {@code agora.billing.vouchers.delegate-key} (environment {@code AGORA_BILLING_VOUCHERS_DELEGATE_KEY})
 * or the file {@code agora.billing.vouchers.delegate-key-file}; never from committed configuration.
 */
@ApplicationScoped
public class DelegateKey {

    private static final Logger LOG = Logger.getLogger(DelegateKey.class);

    private final Optional<ECKeyPair> key;

    public DelegateKey(BillingConfig config) {
        Optional<ECKeyPair> loaded = config.vouchers().delegateKey().filter(k -> !k.isBlank()).map(KeyFiles::parse);
        if (loaded.isEmpty() && config.vouchers().delegateKeyFile().isPresent()) {
            try {
                loaded = Optional.of(KeyFiles.read(config.vouchers().delegateKeyFile().get()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the delegate key file", e);
            }
        }
        if (loaded.isEmpty()) {
            LOG.warn("no delegate key (agora.billing.vouchers.delegate-key[-file]): billing signs no vouchers");
        }
        this.key = loaded;
    }

    /** The key, when configured. */
    public Optional<ECKeyPair> key() {
        return key;
    }

    /** Its address, the one developers authorize. */
    public Optional<Address> address() {
        return key.map(PersonalSignature::addressOf);
    }
}
