package cloud.agora.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    private static SmallRyeConfig config(Map<String, String> env) {
        // the interceptors Quarkus runs with, property expressions among them
        return new SmallRyeConfigBuilder().addDefaultInterceptors().withSources(new EnvConfigSource(env, 300)).build();
    }

    @Test
    void aPlaintextServiceGetsOnlyItsBootstrapServers() {
        Properties props = KafkaClients.connection("kafka-0:9092", config(Map.of()));
        assertThat(props).containsOnlyKeys("bootstrap.servers").containsEntry("bootstrap.servers", "kafka-0:9092");
    }

    /** As the Helm chart sets it: the JAAS line in a ConfigMap names ${KAFKA_PASSWORD}, the Secret supplies it. */
    @Test
    void scramOverTlsFromEnvWithThePasswordExpandedFromItsOwnVariable() {
        Properties props = KafkaClients.connection("kafka-0:9093", config(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"agora-billing\" password=\"${KAFKA_PASSWORD}\";",
                "KAFKA_PASSWORD", "s3cret",
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/var/run/agora/keys/kafka-ca.crt",
                "KAFKA_GROUP_ID", "not a connection setting")));
        assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"agora-billing\" password=\"s3cret\";")
                .containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("ssl.truststore.location", "/var/run/agora/keys/kafka-ca.crt")
                .doesNotContainKey("group.id");
    }
}
