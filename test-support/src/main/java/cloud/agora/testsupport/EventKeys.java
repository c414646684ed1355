package cloud.agora.testsupport;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.EventProducers;
import cloud.agora.protocol.event.EventSignature;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;

/**
 * The producing services' event-signing keys in tests (fixed, derived from the service's name), records signed as
 * their producer would sign them, and, as a Quarkus test resource, the configuration that makes a module check them:
 * {@code agora.events.producers.*} for every producing service and, with the init argument {@code service}, the
 * module's own {@code agora.events.key-file}.
 */
public final class EventKeys implements QuarkusTestResourceLifecycleManager {

    private String service;

    /** The test key of {@code service}'s events. */
    public static ECKeyPair of(String service) {
        byte[] seed = Hash.sha3(("agora-test-events:" + service).getBytes(StandardCharsets.UTF_8));
        return ECKeyPair.create(new BigInteger(1, seed));
    }

    public static Address address(String service) {
        return PersonalSignature.addressOf(of(service));
    }

    /** The record as the topic's producer publishes it: with its signature header. */
    public static ProducerRecord<String, String> signed(String topic, String key, String value) {
        return signedBy(of(EventProducers.serviceOf(topic)), topic, key, value);
    }

    /** The record signed by {@code signer} (a forger's key in attack tests). */
    public static ProducerRecord<String, String> signedBy(ECKeyPair signer, String topic, String key, String value) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        record.headers().add(EventSignature.HEADER,
                EventSignature.sign(topic, key, value, signer).getBytes(StandardCharsets.US_ASCII));
        return record;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        service = initArgs.get("service");
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        for (String producer : EventProducers.SERVICES) {
            config.put("agora.events.producers." + producer, address(producer).toString());
        }
        if (service != null) {
            try {
                Path file = Files.createTempFile("agora-events-" + service, ".key");
                file.toFile().deleteOnExit();
                Files.writeString(file, KeyFiles.toHex(of(service)));
                config.put("agora.events.key-file", file.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return config;
    }

    @Override
    public void stop() {
    }
}
