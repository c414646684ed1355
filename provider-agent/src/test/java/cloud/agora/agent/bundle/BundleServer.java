package cloud.agora.agent.bundle;

import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the storage gateway's {@code GET /ipfs/<cid>} (another process), serving real
 * bytes under their real CIDs computed with ipld, or any bytes under any CID to play a tampering
 * gateway. Binds port 0.
 */
public final class BundleServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private volatile long delayMillis;
    private volatile int failWith;

    public BundleServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/ipfs/", exchange -> {
            String cid = exchange.getRequestURI().getPath().substring("/ipfs/".length());
            requests.computeIfAbsent(cid, c -> new AtomicInteger()).incrementAndGet();
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = objects.get(cid);
            int status = failWith != 0 ? failWith : body == null ? 404 : 200;
            if (status != 200) {
                byte[] problem = "{\"type\":\"urn:agora:problem:not-found\"}".getBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
                exchange.sendResponseHeaders(status, problem.length);
                exchange.getResponseBody().write(problem);
            } else {
                exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    /** Base URL, as {@code agent.storage-gateway.url}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Stores {@code bytes} under the CID {@code ipfs add --cid-version=<v>} gives them; returns it. */
    public String publish(byte[] bytes, int cidVersion) {
        String cid = cidOf(bytes, cidVersion);
        objects.put(cid, bytes);
        return cid;
    }

    /** Serves {@code bytes} under {@code cid} whatever they hash to. */
    public void serve(String cid, byte[] bytes) {
        objects.put(cid, bytes);
    }

    /** How many times {@code cid} was asked for. */
    public int requests(String cid) {
        AtomicInteger n = requests.get(cid);
        return n == null ? 0 : n.get();
    }

    public void delay(long millis) {
        this.delayMillis = millis;
    }

    /** Answer every request with this status (0 = normal service). */
    public void failWith(int status) {
        this.failWith = status;
    }

    /** The CID of {@code bytes} as {@code ipfs add} gives it. */
    public static String cidOf(byte[] bytes, int cidVersion) {
        try {
            return FileImporter.importFile(new ByteArrayInputStream(bytes), DagLayout.forCidVersion(cidVersion), (c, b, n) -> { })
                    .root().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
