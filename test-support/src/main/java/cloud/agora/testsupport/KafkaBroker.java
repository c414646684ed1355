package cloud.agora.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * One real Kafka broker per test JVM, in KRaft combined mode (broker and controller in one
 * node), started from the Kafka jars on the classpath. Started on first use; stopped when
 * the JVM exits.
 */
public final class KafkaBroker {

    private static String bootstrapServers;
    private static KafkaRaftServer server;
    private static Path logDir;

    private KafkaBroker() {
    }

    /** The broker's {@code host:port}, starting it on first call. */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            start();
        }
        return bootstrapServers;
    }

    /** Stops the broker (for tests that prove behaviour across a broker restart); the next call restarts it on the same data. */
    public static synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the broker again after {@link #stop()}, on the same ports and data. */
    public static synchronized void restart() {
        if (server == null && logDir != null) {
            server = new KafkaRaftServer(KafkaConfig.fromProps(properties(portOf(bootstrapServers), controllerPort), false),
                    Time.SYSTEM);
            server.startup();
        }
    }

    private static int controllerPort;

    private static void start() {
        try {
            int port = freePort();
            controllerPort = freePort();
            logDir = Files.createTempDirectory("agora-kafka");
            Properties props = properties(port, controllerPort);
            Path config = logDir.resolve("server.properties");
            try (var out = Files.newBufferedWriter(config)) {
                props.store(out, "agora test broker");
            }
            ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
            int exit = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
                    new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
            if (exit != 0) {
                throw new IllegalStateException("kafka storage format failed: " + formatOutput.toString(StandardCharsets.UTF_8));
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            bootstrapServers = "localhost:" + port;
            Runtime.getRuntime().addShutdownHook(new Thread(KafkaBroker::stop, "kafka-broker-stop"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker", e);
        }
    }

    private static Properties properties(int port, int controllerPort) {
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
        return props;
    }

    private static int portOf(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    /** A currently free TCP port on the loopback interface. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
