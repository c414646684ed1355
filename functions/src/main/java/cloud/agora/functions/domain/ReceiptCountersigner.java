package cloud.agora.functions.domain;

import cloud.agora.functions.config.FunctionsConfig;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.usage.UsageReceipt;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * Checks the receipt an agent returned against the call it answers and counter-signs it with
 * the gateway's key ({@code agora.functions.gateway-key-file}). A receipt is trusted only if
 * it is for this invocation and lease, names the lease's provider, follows the memory rule and
 * carries that provider's valid signature.
 */
@ApplicationScoped
public class ReceiptCountersigner {

    private static final Logger LOG = Logger.getLogger(ReceiptCountersigner.class);

    private final Optional<ECKeyPair> key;

    public ReceiptCountersigner(FunctionsConfig config) {
        this.key = config.gatewayKeyFile().map(file -> {
            try {
                return KeyFiles.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the gateway key " + file, e);
            }
        });
        if (key.isEmpty()) {
            LOG.warn("agora.functions.gateway-key-file is not set: receipts are verified but not counter-signed or forwarded");
        }
    }

    /** The gateway's address, if it has a key. */
    public Optional<Address> address() {
        return key.map(PersonalSignature::addressOf);
    }

    /**
     * Why {@code receipt} cannot be trusted for the call {@code invocationId} on {@code leaseId}
     * run by {@code provider}, or empty when it can.
     */
    public Optional<String> problem(UsageReceipt receipt, UUID invocationId, UUID leaseId, String provider) {
        if (!receipt.invocationId().equals(invocationId)) {
            return Optional.of("the receipt is for invocation " + receipt.invocationId() + ", not " + invocationId);
        }
        if (!receipt.leaseId().equals(leaseId)) {
            return Optional.of("the receipt is for lease " + receipt.leaseId() + ", not " + leaseId);
        }
        if (!receipt.provider().equals(Address.parse(provider))) {
            return Optional.of("the receipt names provider " + receipt.provider() + ", the lease's is " + provider);
        }
        try {
            receipt.verifyProviderSignature();
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The receipt counter-signed, or empty when this gateway has no key. */
    public Optional<UsageReceipt> counterSign(UsageReceipt receipt) {
        return key.map(receipt::counterSignedByGateway);
    }
}
