package cloud.agora.kafka;

import java.nio.file.Path;
import java.util.Properties;

/**
 * The one broker configuration of the platform's own Kafka (tests in-JVM and the local
 * platform's process): a single node in KRaft combined mode (broker and controller), every
 * replication factor and minimum ISR 1, no rebalance delay, topics created on first use, and a
 * log cleaner's offset map of 16 MiB instead of the default 128 MiB: the cleaner allocates it on
 * the heap at start-up, and it was most of the broker's resident memory on the one-machine
 * platform (compacted topics here hold thousands of keys, the map a few hundred thousand).
 */
public final class KraftSettings {

    private KraftSettings() {
    }

    /**
     * @param port           the PLAINTEXT listener clients use
     * @param controllerPort the controller (KRaft quorum) listener
     * @param logDir         where the broker keeps its data
     */
    public static Properties singleNode(int port, int controllerPort, Path logDir) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        props.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("min.insync.replicas", "1");
        props.put("default.replication.factor", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        return props;
    }
}
