package cloud.agora.support.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.support.events.EventsConfig;
import cloud.agora.support.events.SignedEvents;
import cloud.agora.testsupport.KafkaBroker;
import cloud.agora.testsupport.PostgresServer;
import cloud.agora.testsupport.TopicReader;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two relays on one database, as two replicas of a service run them: the real PostgreSQL and the real broker.
 */
class OutboxRelayTest {

    private AgroalDataSource dataSource;
    private final List<OutboxRelay> relays = new ArrayList<>();

    @BeforeEach
    void database() throws Exception {
        PostgresServer.Database database = PostgresServer.newDatabase();
        dataSource = AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(6)
                        .connectionFactoryConfiguration(factory -> factory.jdbcUrl(database.jdbcUrl())
                                .principal(new NamePrincipal(database.user()))
                                .credential(new SimplePassword(database.password())))));
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             InputStream ddl = OutboxRelay.class.getResourceAsStream("/db/outbox/V0_1__outbox.sql")) {
            statement.execute(new String(ddl.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @AfterEach
    void close() {
        relays.forEach(relay -> relay.stop(null));
        dataSource.close();
    }

    @Test
    void aSecondReplicasRelayPublishesNothingWhileTheFirstHoldsABatch() throws Exception {
        String topic = "outbox-test-" + UUID.randomUUID();
        append(topic, "lease-1", 12);
        OutboxRelay first = relay(5);
        OutboxRelay second = relay(5);
        try (Connection held = dataSource.getConnection()) {
            held.setAutoCommit(false);
            assertThat(first.claimBatch(held)).extracting(OutboxRelay.OutboxRow::payload)
                    .containsExactly("0", "1", "2", "3", "4");

            second.drain();

            // the older rows are the first relay's; a later batch published now would overtake them
            assertThat(pending()).isEqualTo(12);
            held.rollback();
        }

        second.drain();

        assertThat(pending()).isZero();
        assertThat(payloads(topic, 12).get("lease-1")).containsExactly(
                "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11");
    }

    @Test
    void onlyTheRelaysOwnTransactionCommitsWithoutWaitingForTheDisk() throws Exception {
        append("outbox-test-" + UUID.randomUUID(), "lease-1", 1);
        OutboxRelay relay = relay(5);
        try (Connection connection = dataSource.getConnection()) {
            // the test server commits without waiting for its disk; a platform's waits (the launcher sets it)
            try (var set = connection.createStatement()) {
                set.execute("SET synchronous_commit TO on");
            }
            assertThat(synchronousCommit(connection)).isEqualTo("on");
            connection.setAutoCommit(false);
            assertThat(relay.claimBatch(connection)).hasSize(1);
            assertThat(synchronousCommit(connection)).isEqualTo("off");
            connection.rollback();
            // the setting was the transaction's: the connection's next user (a call's record) waits for the disk again
            assertThat(synchronousCommit(connection)).isEqualTo("on");
        }
    }

    private static String synchronousCommit(Connection connection) throws Exception {
        try (var show = connection.createStatement(); var result = show.executeQuery("SHOW synchronous_commit")) {
            result.next();
            return result.getString(1);
        }
    }

    @Test
    void twoReplicasDrainingTogetherKeepEachKeysOrder() throws Exception {
        String topic = "outbox-test-" + UUID.randomUUID();
        OutboxRelay first = relay(7);
        OutboxRelay second = relay(7);
        int perKey = 60;
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < perKey; i++) {
                    append(topic, "lease-a", i, i + 1);
                    append(topic, "lease-b", i, i + 1);
                    append(topic, "lease-c", i, i + 1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<Void> one = CompletableFuture.runAsync(() -> drainUntil(first, writing));
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> drainUntil(second, writing));
        CompletableFuture.allOf(writing, one, other).get(120, TimeUnit.SECONDS);

        Map<String, List<String>> published = payloads(topic, 3 * perKey);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(published).containsOnlyKeys("lease-a", "lease-b", "lease-c");
        published.values().forEach(order -> assertThat(order).containsExactlyElementsOf(expected));
    }

    private static void drainUntil(OutboxRelay relay, CompletableFuture<Void> writing) {
        do {
            relay.drain();
            try {
                Thread.sleep(2); // pacing only: a relay that found the lock taken comes back at once
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        } while (!writing.isDone());
        relay.drain();
    }

    private OutboxRelay relay(int batchSize) {
        OutboxRelay relay = new OutboxRelay(dataSource, new Config(batchSize),
                new SignedEvents(new NoKey(), Optional.of(KafkaBroker.bootstrapServers())),
                Optional.of(KafkaBroker.bootstrapServers()));
        relays.add(relay);
        return relay;
    }

    private void append(String topic, String key, int count) throws SQLException {
        append(topic, key, 0, count);
    }

    private void append(String topic, String key, int from, int to) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO outbox (event_id, topic, record_key, payload) VALUES (?, ?, ?, ?)")) {
            for (int i = from; i < to; i++) {
                insert.setObject(1, UUID.randomUUID());
                insert.setString(2, topic);
                insert.setString(3, key);
                insert.setString(4, Integer.toString(i));
                insert.executeUpdate();
            }
        }
    }

    private long pending() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT count(*) FROM outbox")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * Per key, each payload in the order first read (a republished record, at least once, is a duplicate consumers
     * drop), once {@code distinct} payloads arrived.
     */
    private static Map<String, List<String>> payloads(String topic, int distinct) {
        List<ConsumerRecord<String, String>> records = TopicReader.readUntil(topic,
                read -> read.stream().map(r -> r.key() + "/" + r.value()).distinct().count() >= distinct,
                Duration.ofSeconds(60));
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, String> record : records) {
            if (seen.add(record.key() + "/" + record.value())) {
                byKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
            }
        }
        return byKey;
    }

    private record Config(int batchSize) implements OutboxConfig {
        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public Duration interval() {
            return Duration.ofMillis(500);
        }

        @Override
        public Duration sendTimeout() {
            return Duration.ofSeconds(30);
        }
    }

    private static final class NoKey implements EventsConfig {
        @Override
        public Optional<String> keyFile() {
            return Optional.empty();
        }

        @Override
        public Duration firstRetry() {
            return Duration.ofMillis(250);
        }

        @Override
        public Producers producers() {
            return new Producers() {
                @Override
                public Optional<List<String>> marketplace() {
                    return Optional.empty();
                }

                @Override
                public Optional<List<String>> billing() {
                    return Optional.empty();
                }

                @Override
                public Optional<List<String>> governance() {
                    return Optional.empty();
                }

                @Override
                public Optional<List<String>> functions() {
                    return Optional.empty();
                }
            };
        }
    }
}
