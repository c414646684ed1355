package cloud.agora.functions.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReactivePostgresTest {

    @Test
    void theNonBlockingClientConnectsWhereTheDataSourceDoes() {
        PgConnectOptions options = ReactivePostgres.options("jdbc:postgresql://postgres.databases.svc:5433/functions"
                + "?sslmode=require", Optional.of("agora"), Optional.of("secret"));
        assertThat(options.getHost()).isEqualTo("postgres.databases.svc");
        assertThat(options.getPort()).isEqualTo(5433);
        assertThat(options.getDatabase()).isEqualTo("functions");
        assertThat(options.getSslMode()).isEqualTo(SslMode.REQUIRE);
        assertThat(options.getUser()).isEqualTo("agora");
        assertThat(options.getPassword()).isEqualTo("secret");
        assertThat(options.getProperties()).containsEntry("application_name", ReactivePostgres.APPLICATION_NAME);
        // as the JDBC driver does: require encrypts without checking the certificate
        assertThat(options.isTrustAll()).isTrue();
        assertThat(ReactivePostgres.options("jdbc:postgresql://db/functions?sslmode=verify-full", Optional.empty(),
                Optional.empty()).isTrustAll()).isFalse();
        assertThatThrownBy(() -> ReactivePostgres.options("jdbc:mysql://db/functions", Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:postgresql://");
    }

    @Test
    void parametersAreNumberedInTheirOrder() {
        assertThat(InvocationStore.numbered("INSERT INTO t (a, b) SELECT ?::uuid, ? FROM x WHERE y = ?"))
                .isEqualTo("INSERT INTO t (a, b) SELECT $1::uuid, $2 FROM x WHERE y = $3");
    }
}
