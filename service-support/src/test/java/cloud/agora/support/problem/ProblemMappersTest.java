package cloud.agora.support.problem;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.support.jdbc.StoreException;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ProblemMappersTest {

    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void aDatabaseThatIsAwayIsAServiceUnavailableForAMomentAlsoWhenWrapped() {
        Response response = mappers.unexpected(new CompletionException(
                new StoreException(new SQLException("the database system is shutting down", "57P03"))), null);
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("2");
        assertThat(((Problem) response.getEntity()).type()).endsWith("database-unavailable");
    }

    @Test
    void aDatabaseRefusingTheDataIsStillAnInternalError() {
        Response response = mappers.unexpected(new StoreException(new SQLException("duplicate key", "23505")), null);
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getHeaderString("Retry-After")).isNull();
    }
}
