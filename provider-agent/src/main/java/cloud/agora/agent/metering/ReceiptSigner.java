package cloud.agora.agent.metering;

import cloud.agora.agent.runtime.Usage;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.usage.UsageReceipt;
import java.util.UUID;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Turns the kernel's figures for one call into a usage receipt signed by the provider's key
 * (see {@link UsageReceipt} for the encoding, the signature and the memory rule).
 */
public final class ReceiptSigner {

    private final ECKeyPair key;
    private final Address provider;

    public ReceiptSigner(ECKeyPair key) {
        this.key = key;
        this.provider = new Address("0x" + Keys.getAddress(key));
    }

    /** The provider this agent signs for. */
    public Address provider() {
        return provider;
    }

    /**
     * The signed receipt of one call, naming the gateway's grant that authorized it (its hash is part of what the
     * provider signs and the gateway witnesses, so billing charges only calls the platform authorized).
     */
    public UsageReceipt sign(UUID invocationId, UUID leaseId, Address consumer, Usage usage, InvocationGrant grant) {
        return UsageReceipt.unsigned(invocationId, leaseId, provider, consumer, usage.cpuNanos(), usage.peakMemoryBytes(),
                usage.wallMillis(), usage.bytesIn(), usage.bytesOut(), usage.startedAt(), usage.endedAt(), grant)
                .signedByProvider(key);
    }

    /** {@code receipt} (this provider's, e.g. a storage period another party witnessed) signed by the provider. */
    public UsageReceipt sign(UsageReceipt receipt) {
        return receipt.signedByProvider(key);
    }

    /** The key, for signing in to the marketplace. */
    public ECKeyPair key() {
        return key;
    }
}
