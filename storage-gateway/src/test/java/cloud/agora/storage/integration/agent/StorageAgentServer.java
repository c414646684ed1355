package cloud.agora.storage.integration.agent;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.event.JsonCodec;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An in-test provider agent's storage role, as DESIGN.md fixes it: real block files under
 * {@code <dir>/storage/<leaseId>/<cid>}, hash-checked on PUT, challenges answered from the bytes
 * on disk (so damaging a file makes its proofs wrong), bearer secret required, and the first
 * two requests for a new lease answered {@code 404 lease-not-held} (a real agent learns its
 * leases from the marketplace's stream a moment after the match). Port 0.
 */
public final class StorageAgentServer implements AutoCloseable {

    private static final String PREFIX = "/api/v1/storage/leases/";

    private final HttpServer server;
    private final Path dir;
    private final String token;
    /** Requests per lease answered {@code lease-not-held} before the agent "learns" the lease. */
    private static final int LEASE_LAG_REQUESTS = 2;
    private final java.util.Map<String, Integer> unknownAnswers = new java.util.concurrent.ConcurrentHashMap<>();

    public StorageAgentServer(Path dir, String token) throws IOException {
        this.dir = dir;
        this.token = token;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** The agent's base URL. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Where a lease's blocks live on this agent's disk. */
    public Path leaseDir(String leaseId) {
        return dir.resolve("storage").resolve(leaseId);
    }

    /** The block files this agent holds for a lease (0 when none). */
    public long blocks(String leaseId) throws IOException {
        Path lease = leaseDir(leaseId);
        if (!Files.isDirectory(lease)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(lease)) {
            return files.count();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                answer(exchange, 401, "{\"type\":\"urn:agora:problem:unauthenticated\"}");
                return;
            }
            String[] parts = exchange.getRequestURI().getPath().substring(PREFIX.length()).split("/");
            String leaseId = parts[0];
            // like a real agent, it learns a new lease from the marketplace's stream a moment later
            if (unknownAnswers.merge(leaseId, 1, Integer::sum) <= LEASE_LAG_REQUESTS) {
                answer(exchange, 404, "{\"type\":\"urn:agora:problem:lease-not-held\"}");
                return;
            }
            String method = exchange.getRequestMethod();
            if (parts.length == 1 && method.equals("DELETE")) {
                deleteTree(leaseDir(leaseId));
                exchange.sendResponseHeaders(204, -1);
            } else if (parts.length == 1 && method.equals("GET")) {
                answer(exchange, 200, JsonCodec.write(Map.of("leaseId", leaseId, "blocks", blocks(leaseId))));
            } else if (parts.length == 3 && parts[1].equals("blocks") && method.equals("PUT")) {
                Cid cid = Cid.parse(parts[2]);
                byte[] block = exchange.getRequestBody().readAllBytes();
                if (!cid.matches(block)) {
                    answer(exchange, 400, "{\"type\":\"urn:agora:problem:block-hash-mismatch\"}");
                    return;
                }
                Files.createDirectories(leaseDir(leaseId));
                Files.write(leaseDir(leaseId).resolve(cid.toString()), block);
                exchange.sendResponseHeaders(201, -1);
            } else if (parts.length == 3 && parts[1].equals("blocks") && method.equals("GET")) {
                try {
                    byte[] block = Files.readAllBytes(leaseDir(leaseId).resolve(Cid.parse(parts[2]).toString()));
                    exchange.sendResponseHeaders(200, block.length == 0 ? -1 : block.length);
                    exchange.getResponseBody().write(block);
                } catch (NoSuchFileException e) {
                    answer(exchange, 404, "{\"type\":\"urn:agora:problem:block-not-found\"}");
                }
            } else if (parts.length == 2 && parts[1].equals("challenges") && method.equals("POST")) {
                Map<?, ?> challenge = JsonCodec.read(new String(exchange.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8), Map.class);
                String cid = Cid.parse((String) challenge.get("cid")).toString();
                String nonce = (String) challenge.get("nonce");
                try {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    sha.update(Files.readAllBytes(leaseDir(leaseId).resolve(cid)));
                    sha.update(HexFormat.of().parseHex(nonce));
                    answer(exchange, 200, JsonCodec.write(Map.of("cid", cid, "nonce", nonce,
                            "proof", HexFormat.of().formatHex(sha.digest()))));
                } catch (NoSuchFileException e) {
                    answer(exchange, 404, "{\"type\":\"urn:agora:problem:block-not-found\"}");
                }
            } else {
                answer(exchange, 404, "{}");
            }
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", status < 300 ? "application/json" : "application/problem+json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
