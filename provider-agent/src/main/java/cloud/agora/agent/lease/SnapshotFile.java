package cloud.agora.agent.lease;

import cloud.agora.protocol.event.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One value kept as JSON in one file, replaced whole: written aside, forced to the device, renamed over the old file
 * and the directory forced, so a crash leaves either the old value or the new one. What the agent last heard from the
 * marketplace survives its restart this way.
 */
public final class SnapshotFile<T> {

    private static final Logger LOG = Logger.getLogger(SnapshotFile.class);

    private final Path file;
    private final Class<T> type;

    public SnapshotFile(Path file, Class<T> type) {
        this.file = file;
        this.type = type;
    }

    /** The value last written, or empty when there is none or it cannot be read (then it is as if there were none). */
    public Optional<T> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JsonCodec.read(Files.readString(file, StandardCharsets.UTF_8), type));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring %s: %s", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Replaces the value. */
    public synchronized void write(T value) {
        try {
            Files.createDirectories(file.getParent());
            Path aside = file.resolveSibling(file.getFileName() + ".next");
            try (FileChannel channel = FileChannel.open(aside, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(JsonCodec.write(value).getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
