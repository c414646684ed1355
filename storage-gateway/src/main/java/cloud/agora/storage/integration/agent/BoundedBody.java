package cloud.agora.storage.integration.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory only up to {@code limit} bytes: a declared {@code Content-Length} above it is
 * refused before a byte is read, and a body that grows past it (chunked, or lying about its length) is cancelled
 * as soon as it does, which closes the connection. An agent's answer can therefore never make the gateway hold
 * more than {@code limit} bytes of it.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

    /** The answer was larger than the limit; nothing of it is used. */
    static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private final int limit;
    private final long declared;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    private BoundedBody(int limit, long declared) {
        this.limit = limit;
        this.declared = declared;
    }

    /** A handler whose bodies are at most {@code limit} bytes. */
    static HttpResponse.BodyHandler<byte[]> upTo(int limit) {
        return info -> new BoundedBody(limit, info.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declared > limit) {
            s.cancel();
            result.completeExceptionally(new TooLargeException("the answer declares " + declared
                    + " bytes, more than the " + limit + " accepted"));
            return;
        }
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer item : items) {
            int n = item.remaining();
            if ((long) out.size() + n > limit) {
                subscription.cancel();
                result.completeExceptionally(new TooLargeException("the answer is longer than the " + limit
                        + " bytes accepted"));
                return;
            }
            byte[] chunk = new byte[n];
            item.get(chunk);
            out.write(chunk, 0, n);
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(out.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }
}
