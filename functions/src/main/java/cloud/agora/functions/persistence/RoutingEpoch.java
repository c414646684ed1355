package cloud.agora.functions.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter the stores bump after every write that can change where calls go (a function
 * created or deleted, a deployment recorded, updated or losing a replica), so that what was
 * read for routing before the write is not used after it in this instance.
 */
@ApplicationScoped
public class RoutingEpoch {

    private final AtomicLong epoch = new AtomicLong();

    /** The current epoch: read it before reading the stores, compare it after. */
    public long current() {
        return epoch.get();
    }

    /** Something routing depends on changed. */
    public void bump() {
        epoch.incrementAndGet();
    }
}
