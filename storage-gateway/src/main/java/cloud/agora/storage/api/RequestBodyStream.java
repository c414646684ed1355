package cloud.agora.storage.api;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A Vert.x request body as a blocking {@link InputStream} for a worker thread, with
 * back-pressure: the event loop appends the chunks Netty hands it (no copy), pauses the request
 * once {@link #HIGH_WATER} bytes wait, and the reader resumes it below {@link #LOW_WATER}. The
 * reader copies each chunk straight into its own array (the importer's chunk buffer), which is
 * the only copy of the body on the way to disk.
 *
 * <p>Unlike the JAX-RS {@code InputStream}, the queue holds several chunks, so the event loop
 * keeps reading the socket while the worker hashes and writes, instead of the two taking turns.
 */
final class RequestBodyStream extends InputStream {

    static final int HIGH_WATER = 8 << 20;
    static final int LOW_WATER = 2 << 20;
    /** How much of a refused body is read and dropped (so the client sees the answer) before the connection is cut. */
    static final long DISCARD_LIMIT = 64L << 20;

    private final HttpServerRequest request;
    private final Context context;
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private ByteBuf current;
    private long queued;
    private boolean paused;
    private long discarded = -1;
    private boolean ended;
    private Throwable failure;

    RequestBodyStream(HttpServerRequest request, Context context) {
        this.request = request;
        this.context = context;
        request.handler(this::append);
        request.endHandler(v -> end(null));
        request.exceptionHandler(this::end);
        request.response().closeHandler(v -> end(new IOException("the connection closed")));
        request.resume();
    }

    private void append(Buffer buffer) {
        ByteBuf buf = buffer.getByteBuf();
        boolean pause;
        synchronized (this) {
            if (discarded >= 0) {
                discarded += buf.readableBytes();
                if (discarded > DISCARD_LIMIT) {
                    request.connection().close();
                }
                return;
            }
            if (ended) {
                return;
            }
            chunks.add(buf);
            queued += buf.readableBytes();
            pause = queued >= HIGH_WATER && !paused;
            if (pause) {
                paused = true;
            }
            notifyAll();
        }
        if (pause) {
            request.pause();
        }
    }

    /**
     * Drops the rest of a refused body (event loop only): read on, up to {@link #DISCARD_LIMIT},
     * so that a client still sending gets to read the problem response; beyond, the connection closes.
     */
    void discard() {
        synchronized (this) {
            discarded = 0;
            chunks.clear();
            queued = 0;
            paused = false;
            notifyAll();
        }
        request.resume();
    }

    private synchronized void end(Throwable error) {
        if (ended) {
            return;
        }
        ended = true;
        failure = error;
        notifyAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int total = 0;
        while (total < len) {
            if (current == null || !current.isReadable()) {
                current = next(total == 0);
                if (current == null) {
                    break;
                }
            }
            int n = Math.min(len - total, current.readableBytes());
            current.readBytes(b, off + total, n);
            total += n;
        }
        return total == 0 ? -1 : total;
    }

    /** The next chunk; waits for one only when nothing was read yet ({@code block}). */
    private ByteBuf next(boolean block) throws IOException {
        boolean resume = false;
        ByteBuf buf;
        synchronized (this) {
            while (chunks.isEmpty() && !ended && block) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading the upload");
                }
            }
            buf = chunks.poll();
            if (buf == null) {
                if (ended && failure != null && block) {
                    throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
                }
                return null;
            }
            queued -= buf.readableBytes();
            if (paused && queued <= LOW_WATER) {
                paused = false;
                resume = true;
            }
        }
        if (resume) {
            context.runOnContext(v -> request.resume());
        }
        return buf;
    }
}
