package cloud.agora.protocol.event;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.SignerKeys;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may write each topic: the addresses of the service that produces it ({@code <service>.<aggregate>.v<N>}, so
 * {@code marketplace.leases.v1} belongs to {@code marketplace}), and the check a consumer runs on every record before
 * reading it. A topic whose service has no configured address is not checked ({@link #checks}); the services' startup
 * says so loudly, and the Helm chart and the one-machine launcher configure every producer.
 */
public final class EventProducers {

    /** Why a record was refused; the reason a quarantined record carries. */
    public enum Rejection {
        /** No {@link EventSignature#HEADER} header. */
        UNSIGNED("unsigned"),
        /** A header that is no canonical signature. */
        MALFORMED("malformed-signature"),
        /** A valid signature by a key that does not produce the topic. */
        FORGED("not-signed-by-producer");

        private final String reason;

        Rejection(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The services that sign what they publish (each one's addresses are {@code agora.events.producers.<service>}). */
    public static final List<String> SERVICES = List.of("marketplace", "billing", "governance", "functions");

    private final Map<String, Set<Address>> byService;
    private final SignerKeys keys = new SignerKeys();

    /** @param byService each producing service's name and the addresses whose signatures it makes */
    public EventProducers(Map<String, Set<Address>> byService) {
        this.byService = Map.copyOf(byService);
    }

    /** The service that produces {@code topic}: the topic name up to its first dot. */
    public static String serviceOf(String topic) {
        int dot = topic.indexOf('.');
        return dot < 0 ? topic : topic.substring(0, dot);
    }

    /** Whether records of {@code topic} are checked (its producer's addresses are configured). */
    public boolean checks(String topic) {
        return byService.containsKey(serviceOf(topic));
    }

    /**
     * Why the record may not be read, or empty when it is signed by its topic's producer (or the topic is not checked).
     *
     * @param signature the {@link EventSignature#HEADER} header's value, null when absent
     */
    public Optional<Rejection> check(String topic, String key, String value, String signature) {
        Set<Address> producers = byService.get(serviceOf(topic));
        if (producers == null) {
            return Optional.empty();
        }
        if (signature == null) {
            return Optional.of(Rejection.UNSIGNED);
        }
        try {
            Address signer = keys.signer(EventSignature.hash(topic, key, value), signature, producers);
            return producers.contains(signer) ? Optional.empty() : Optional.of(Rejection.FORGED);
        } catch (InvalidSignatureException e) {
            return Optional.of(Rejection.MALFORMED);
        }
    }
}
