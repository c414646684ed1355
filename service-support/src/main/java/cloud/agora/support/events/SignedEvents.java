package cloud.agora.support.events;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.EventProducers;
import cloud.agora.protocol.event.EventEnvelope;
import cloud.agora.protocol.event.EventSignature;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.event.Topics;
import cloud.agora.support.kafka.KafkaClients;
import com.fasterxml.jackson.core.type.TypeReference;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.web3j.crypto.ECKeyPair;

/**
 * Events that cannot be forged. Publishing: the outbox relay asks {@link #signature} for each record and sends it in
 * the {@link EventSignature#HEADER} header. Consuming: every follower asks {@link #admit} before it reads a record; a
 * record of a checked topic that its producer did not sign is not handled but copied to {@link Topics#QUARANTINE}
 * (with the reason, the consumer and where it came from in headers) and logged, and the follower goes on.
 */
@ApplicationScoped
public class SignedEvents {

    private static final Logger LOG = Logger.getLogger(SignedEvents.class);

    /** Headers of a quarantined record: why, who refused it, and where it was read. */
    public static final String REASON = "agora-quarantine-reason";
    public static final String CONSUMER = "agora-quarantine-consumer";
    public static final String ORIGIN = "agora-quarantine-origin";

    private final Optional<ECKeyPair> key;
    private final EventProducers producers;
    private final Optional<String> bootstrapServers;
    private volatile KafkaProducer<String, String> quarantine;

    public SignedEvents(EventsConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") Optional<String> bootstrapServers) {
        this.key = config.keyFile().map(SignedEvents::read);
        Map<String, Set<Address>> byService = new LinkedHashMap<>();
        put(byService, "marketplace", config.producers().marketplace());
        put(byService, "billing", config.producers().billing());
        put(byService, "governance", config.producers().governance());
        put(byService, "functions", config.producers().functions());
        this.producers = new EventProducers(byService);
        this.bootstrapServers = bootstrapServers;
    }

    private static ECKeyPair read(String file) {
        try {
            return KeyFiles.read(Path.of(file));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the event-signing key " + file + " (agora.events.key-file)", e);
        }
    }

    private static void put(Map<String, Set<Address>> byService, String service, Optional<List<String>> addresses) {
        addresses.filter(list -> !list.isEmpty()).ifPresent(list -> byService.put(service,
                list.stream().map(String::trim).map(Address::parse).collect(Collectors.toUnmodifiableSet())));
    }

    /** The address this service signs its events with, if it has a key. */
    public Optional<Address> signer() {
        return key.map(PersonalSignature::addressOf);
    }

    /** The signature for a record this service publishes, or empty when it has no key. */
    public Optional<String> signature(String topic, String recordKey, String value) {
        return key.map(k -> EventSignature.sign(topic, recordKey, value, k));
    }

    /**
     * Says at a follower's start whether {@code topic}'s records will be checked: a topic whose producer is not
     * configured is read as written, which trusts everyone who can write to it.
     */
    public void follow(String topic, String consumer) {
        if (Topics.USAGE_RECEIPTS.equals(topic)) {
            LOG.infof("%s reads %s, whose receipts carry their own provider and gateway signatures", consumer, topic);
        } else if (producers.checks(topic)) {
            LOG.infof("%s reads %s only when signed by %s's configured keys", consumer, topic, EventProducers.serviceOf(topic));
        } else {
            LOG.warnf("%s reads %s WITHOUT checking who wrote it: set agora.events.producers.%s to the producer's "
                    + "event-signing address(es)", consumer, topic, EventProducers.serviceOf(topic));
        }
    }

    /**
     * {@link #follow(String, String)} for a SmallRye channel, after checking that the channel reads {@code topic}: the
     * topic's name lives in {@code protocol}, and a channel's configured {@code topic} that differs stops the start.
     */
    public void followChannel(String channel, String topic) {
        String configured = ConfigProvider.getConfig()
                .getOptionalValue("mp.messaging.incoming." + channel + ".topic", String.class).orElse(channel);
        if (!configured.equals(topic)) {
            throw new IllegalStateException("channel " + channel + " reads " + configured + ", not " + topic
                    + " (mp.messaging.incoming." + channel + ".topic)");
        }
        follow(topic, channel);
    }

    /**
     * Whether {@code consumer} may read {@code record}: signed by its topic's producer, or of a topic not checked.
     * A refused record is quarantined before this returns.
     */
    public boolean admit(String consumer, ConsumerRecord<String, String> record) {
        Optional<EventProducers.Rejection> rejection = rejection(record);
        if (rejection.isEmpty()) {
            return true;
        }
        quarantine(consumer, record, rejection.get().reason());
        return false;
    }

    /**
     * Opens a record for {@code consumer}: the envelope its topic's producer signed.
     *
     * @param what what a record is, for the reason of an unreadable one ("lease", "credit", ...)
     * @throws RefusedRecord when its producer did not sign it, or it does not read as an envelope (a poison record):
     *                       the follower's failure strategy quarantines it without retrying
     */
    public <T> EventEnvelope<T> open(ConsumerRecord<String, String> record, TypeReference<EventEnvelope<T>> envelope,
            String what) {
        Optional<EventProducers.Rejection> rejection = rejection(record);
        if (rejection.isPresent()) {
            throw new RefusedRecord(rejection.get().reason());
        }
        if (record.value() == null) {
            throw new RefusedRecord("unreadable " + what + ": an empty record");
        }
        try {
            EventEnvelope<T> event = JsonCodec.read(record.value(), envelope);
            if (event == null) {
                throw new RefusedRecord("unreadable " + what + ": an empty record");
            }
            return event;
        } catch (RefusedRecord refused) {
            throw refused;
        } catch (RuntimeException malformed) {
            throw new RefusedRecord("unreadable " + what + ": " + malformed.getMessage());
        }
    }

    /** Why {@code record}'s topic's producer did not sign it, if it did not (or its topic is not checked). */
    private Optional<EventProducers.Rejection> rejection(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(EventSignature.HEADER);
        String signature = header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
        return producers.check(record.topic(), record.key(), record.value(), signature);
    }

    /**
     * Copies a record {@code consumer} will not use (unsigned, or unreadable: a poison record) to
     * {@link Topics#QUARANTINE} with why, and logs it; the consumer goes on with the next. Never throws.
     */
    public void quarantine(String consumer, ConsumerRecord<String, String> record, String reason) {
        quarantine(consumer, record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                record.headers(), reason);
    }

    /**
     * As {@link #quarantine(String, ConsumerRecord, String)}, from a record's parts.
     *
     * @return completes when the broker has the copy, or when it could not be sent (logged); never fails
     */
    public CompletionStage<Void> quarantine(String consumer, String topic, int partition, long offset, String key,
            String value, Headers headers, String reason) {
        String origin = topic + "/" + partition + "@" + offset;
        LOG.warnf("%s: quarantined the record at %s (%s): not read", consumer, origin, reason);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            ProducerRecord<String, String> copy = new ProducerRecord<>(Topics.QUARANTINE, key, value);
            headers.forEach(copy.headers()::add);
            copy.headers().add(REASON, reason.getBytes(StandardCharsets.UTF_8));
            copy.headers().add(CONSUMER, consumer.getBytes(StandardCharsets.UTF_8));
            copy.headers().add(ORIGIN, origin.getBytes(StandardCharsets.UTF_8));
            KafkaProducer<String, String> kafka = quarantineProducer();
            if (kafka == null) {
                sent.complete(null);
            } else {
                kafka.send(copy, (metadata, e) -> {
                    if (e != null) {
                        LOG.warnf("could not quarantine the record at %s: %s", origin, e.getMessage());
                    }
                    sent.complete(null);
                });
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not quarantine the record at %s: %s", origin, e.getMessage());
            sent.complete(null);
        }
        return sent;
    }

    private KafkaProducer<String, String> quarantineProducer() {
        if (quarantine == null && bootstrapServers.isPresent()) {
            synchronized (this) {
                if (quarantine == null) {
                    Properties props = new Properties();
                    props.putAll(KafkaClients.connection(bootstrapServers.get()));
                    props.put(ProducerConfig.ACKS_CONFIG, "all");
                    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                    quarantine = new KafkaProducer<>(props);
                }
            }
        }
        return quarantine;
    }

    void stop(@Observes ShutdownEvent event) {
        KafkaProducer<String, String> kafka = quarantine;
        if (kafka != null) {
            kafka.close(java.time.Duration.ofSeconds(5));
        }
    }
}
