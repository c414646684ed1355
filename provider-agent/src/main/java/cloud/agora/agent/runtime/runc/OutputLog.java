package cloud.agora.agent.runtime.runc;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ExecutorService;

/**
 * The last bytes a long-running container wrote to its standard output and error, read on a worker until the stream
 * ends, so that each call can be given what the server wrote while it ran ({@link #since(long)}).
 */
final class OutputLog {

    private final byte[] ring;
    private long total;

    OutputLog(int capacity) {
        this.ring = new byte[capacity];
    }

    /** Reads {@code in} to its end on a worker. */
    static OutputLog drain(InputStream in, int capacity, ExecutorService workers) {
        OutputLog log = new OutputLog(capacity);
        workers.execute(() -> {
            byte[] buffer = new byte[8 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    log.append(buffer, n);
                }
            } catch (IOException e) {
                // the container went away: what was read is what there is
            }
        });
        return log;
    }

    synchronized void append(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            ring[(int) ((total + i) % ring.length)] = bytes[i];
        }
        total += length;
    }

    /** How many bytes were written so far: a mark for {@link #since(long)}. */
    synchronized long mark() {
        return total;
    }

    /** What was written after {@code mark} (its last {@code capacity} bytes), and whether more was. */
    synchronized StreamDrain.Tail since(long mark) {
        long from = Math.max(mark, total - ring.length);
        byte[] out = new byte[(int) (total - from)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ring[(int) ((from + i) % ring.length)];
        }
        return new StreamDrain.Tail(out, total - mark);
    }
}
