package cloud.agora.agent.runtime.runc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/** Reads a process stream to EOF on a worker, keeping at most {@code max} bytes (the rest is drained). */
final class StreamDrain {

    private StreamDrain() {
    }

    static CompletableFuture<byte[]> start(InputStream in, int max, ExecutorService workers) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    int room = max - kept.size();
                    if (room > 0) {
                        kept.write(buffer, 0, Math.min(room, n));
                    }
                }
            } catch (IOException e) {
                // the process went away: what was read is what there is
            }
            return kept.toByteArray();
        }, workers);
    }

    /** What a stream's tail holds: its last bytes and how many bytes there were in all. */
    record Tail(byte[] bytes, long total) {
        boolean truncated() {
            return total > bytes.length;
        }
    }

    /** Reads a process stream to EOF on a worker, keeping its last {@code max} bytes. */
    static CompletableFuture<Tail> tail(InputStream in, int max, ExecutorService workers) {
        return CompletableFuture.supplyAsync(() -> {
            byte[] window = new byte[2 * max];
            int kept = 0;
            long total = 0;
            try (in) {
                int n;
                while ((n = in.read(window, kept, window.length - kept)) >= 0) {
                    kept += n;
                    total += n;
                    if (kept == window.length) {
                        System.arraycopy(window, kept - max, window, 0, max);
                        kept = max;
                    }
                }
            } catch (IOException e) {
                // the process went away: what was read is what there is
            }
            int from = Math.max(0, kept - max);
            return new Tail(java.util.Arrays.copyOfRange(window, from, kept), total);
        }, workers);
    }
}
