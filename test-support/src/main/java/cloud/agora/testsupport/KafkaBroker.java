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
import cloud.agora.kafka.KraftSettings;
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

    /** Writes {@code record} to the broker (starting it if needed) and returns once the broker has it. */
    public static void send(org.apache.kafka.clients.producer.ProducerRecord<String, String> record) {
        Properties props = new Properties();
        props.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(org.apache.kafka.clients.producer.ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringSerializer.class.getName());
        props.put(org.apache.kafka.clients.producer.ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringSerializer.class.getName());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(props)) {
            producer.send(record).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the broker did not take the record", e.getCause());
        }
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
            int exit = StorageTool.execute(new String[] {"format", "--cluster-id=" + Uuid.randomUuid(), "-c", config.toString()},
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
        return KraftSettings.singleNode(port, controllerPort, logDir);
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
