package cloud.agora.support.writer;

/**
 * This instance became the writer of {@code name} at fence {@code epoch} (0 when the role is not enforced). Observers
 * (CDI, synchronous) load whatever state they keep in memory from the database before the instance reports itself
 * ready; an observer that throws gives the role back, and it is tried again at the next check.
 */
public record WriterAcquired(String name, long epoch) {
}
