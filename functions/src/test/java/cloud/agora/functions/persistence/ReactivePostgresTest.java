package cloud.agora.functions.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReactivePostgresTest {

    @Test
    void theNonBlockingClientConnectsWhereTheDataSourceDoesAndEncryptsAsTheJdbcDriverDoes() {
        PgConnectOptions options = ReactivePostgres.options("jdbc:postgresql://postgres.databases.svc:5433/functions"
                + "?sslmode=require", Optional.of("agora"), Optional.of("secret")).orElseThrow();
        assertThat(options.getHost()).isEqualTo("postgres.databases.svc");
        assertThat(options.getPort()).isEqualTo(5433);
        assertThat(options.getDatabase()).isEqualTo("functions");
        assertThat(options.getSslMode()).isEqualTo(SslMode.REQUIRE);
        assertThat(options.isTrustAll()).as("require checks no certificate, as with the JDBC driver").isTrue();
        assertThat(options.getUser()).isEqualTo("agora");
        assertThat(options.getPassword()).isEqualTo("secret");
        assertThat(options.getProperties()).containsEntry("application_name", ReactivePostgres.APPLICATION_NAME);

        PgConnectOptions plain = ReactivePostgres.options("jdbc:postgresql://[::1]/functions", Optional.empty(),
                Optional.empty()).orElseThrow();
        assertThat(plain.getSslMode()).as("the JDBC driver's default").isEqualTo(SslMode.PREFER);
        assertThat(plain.getHost()).isEqualTo("::1");
        assertThat(plain.getPort()).isEqualTo(5432);
    }

    @Test
    void aUrlThisClientWouldReadOtherwiseThanTheJdbcDriverLeavesItUnused() {
        for (String url : new String[] {"jdbc:postgresql://db/functions?sslmode=verify-full",
                "jdbc:postgresql://db/functions?sslmode=verify-ca", "jdbc:postgresql://db/functions?ssl=true",
                "jdbc:postgresql://db1,db2:5432/functions", "jdbc:postgresql://db/functions?currentSchema=other",
                "jdbc:postgresql://db/functions?sslmode=prefer&socketFactory=x", "jdbc:postgresql:functions",
                "jdbc:postgresql://db/", "jdbc:mysql://db/functions"}) {
            assertThat(ReactivePostgres.options(url, Optional.empty(), Optional.empty())).as(url).isEmpty();
        }
    }

    @Test
    void parametersAreNumberedInTheirOrder() {
        assertThat(InvocationStore.numbered("INSERT INTO t (a, b) SELECT ?::uuid, ? FROM x WHERE y = ?"))
                .isEqualTo("INSERT INTO t (a, b) SELECT $1::uuid, $2 FROM x WHERE y = $3");
    }
}
