package cloud.agora.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points the Quarkus application under test at the test JVM's Kafka broker ({@link KafkaBroker}). */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", KafkaBroker.bootstrapServers());
    }

    @Override
    public void stop() {
        // the broker lives for the whole test JVM
    }
}
