package cloud.agora.support.writer;

/** This instance stopped being the writer of {@code name} (it held fence {@code epoch}), and why. */
public record WriterLost(String name, long epoch, String reason) {
}
