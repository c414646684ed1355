package cloud.agora.support.kafka;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * How every Kafka client of a service reaches the brokers: the bootstrap servers plus the connection's security, read
 * from the service's configuration under {@code kafka.} (env {@code KAFKA_SECURITY_PROTOCOL}, {@code
 * KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG}, {@code KAFKA_SSL_TRUSTSTORE_LOCATION}, ...). Unset, a client
 * connects in plaintext, as on one machine; a cluster sets {@code SASL_SSL} with SCRAM credentials per service (the
 * Helm chart's {@code kafka.security}), so that the brokers' ACLs can say which service writes which topic.
 */
public final class KafkaClients {

    /** The client settings passed through when configured (Kafka's own names, after {@code kafka.}). */
    static final List<String> CONNECTION = List.of(
            CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
            "sasl.mechanism",
            "sasl.jaas.config",
            "ssl.truststore.location",
            "ssl.truststore.type",
            "ssl.truststore.password",
            "ssl.keystore.location",
            "ssl.keystore.type",
            "ssl.keystore.password",
            "ssl.key.password",
            "ssl.endpoint.identification.algorithm");

    private KafkaClients() {
    }

    /** The bootstrap servers and the configured connection settings, for a producer's or consumer's properties. */
    public static Properties connection(String bootstrapServers) {
        return connection(bootstrapServers, ConfigProvider.getConfig());
    }

    static Properties connection(String bootstrapServers, Config config) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        for (String name : CONNECTION) {
            config.getOptionalValue("kafka." + name, String.class).filter(value -> !value.isBlank())
                    .ifPresent(value -> props.put(name, value));
        }
        return props;
    }
}
