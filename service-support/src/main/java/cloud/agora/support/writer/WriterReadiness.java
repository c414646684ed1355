package cloud.agora.support.writer;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while this instance is the writer (always, when the role is not enforced): a standby takes no traffic,
 * so a load balancer sends writes to the one instance that can make them.
 */
@Readiness
@ApplicationScoped
public class WriterReadiness implements HealthCheck {

    private final SingleWriter writer;

    public WriterReadiness(SingleWriter writer) {
        this.writer = writer;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("single-writer").status(writer.isWriter())
                .withData("name", writer.name())
                .withData("enforced", writer.enforced())
                .withData("epoch", writer.epoch());
        String standing = writer.standing();
        if (standing != null) {
            response.withData("standing", standing);
        }
        return response.build();
    }
}
