package cloud.agora.agent.config;

import cloud.agora.agent.settlement.VoucherRedeemer;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/** Runs {@link VoucherRedeemer} every {@code agent.settlement.interval} when automatic redeem is on. */
public class RedeemSchedule {

    private static final Logger LOG = Logger.getLogger(RedeemSchedule.class);

    private final VoucherRedeemer redeemer;

    RedeemSchedule(VoucherRedeemer redeemer) {
        this.redeemer = redeemer;
    }

    /** One round; failures are logged and the next round tries again. */
    public void tick() {
        if (redeemer == null) {
            return;
        }
        try {
            redeemer.redeemWorthwhile();
        } catch (RuntimeException e) {
            LOG.warnf("automatic redeem round failed: %s", e.getMessage());
        }
    }

    /** The scheduler's entry point (a separate bean so producers stay plain). */
    @jakarta.enterprise.context.ApplicationScoped
    public static class Loop {
        private final RedeemSchedule schedule;

        public Loop(RedeemSchedule schedule) {
            this.schedule = schedule;
        }

        @Scheduled(every = "${agent.settlement.interval:10m}", delayed = "30s",
                concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
        void redeem() {
            schedule.tick();
        }
    }
}
