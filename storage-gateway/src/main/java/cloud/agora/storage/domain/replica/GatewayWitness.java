package cloud.agora.storage.domain.replica;

import cloud.agora.protocol.usage.UsageReceipt;

/**
 * Port: the storage gateway's counter-signature on a usage receipt, made with its own key (the one that signs in to
 * the marketplace and signs storage grants), which billing trusts as a storage gateway's witness.
 */
public interface GatewayWitness {

    /**
     * {@code receipt} counter-signed by the gateway.
     *
     * @throws ReplicationException when the gateway has no key
     */
    UsageReceipt counterSign(UsageReceipt receipt);
}
