import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.market.BidKind;
import cloud.agora.protocol.market.LeaseState;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.resources.Prices;
import cloud.agora.protocol.resources.Resources;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * For benchmarking one agent alone (no platform): a stand-in for the marketplace and the storage gateway, just enough
 * for a stand-alone agent to hold one compute lease and fetch one bundle. It signs the agent in without checking
 * anything (any challenge, any signature), accepts registration, offer and heartbeats, lists one ACTIVE lease of the
 * consumer on the provider, keeps the lease stream open with no events, and serves the bundle's bytes at
 * {@code GET /ipfs/<cid>} under their CIDv1 (raw leaf, sha2-256: what {@code ipfs add --cid-version=1 --raw-leaves} gives
 * a file under 256 KiB), which the agent verifies as it would the real gateway's.
 *
 * <p>Run with {@code java LeaseStandIn.java PORT PROVIDER_KEY CONSUMER_KEY GATEWAY_KEY BUNDLE_TGZ ENV_FILE} (key files of
 * 64 hex digits; protocol on the class path); it writes {@code BENCH_LEASE_ID}, {@code BENCH_BUNDLE_CID},
 * {@code BENCH_PROVIDER}, {@code BENCH_CONSUMER} and {@code BENCH_GATEWAY_ADDRESS} to {@code ENV_FILE}. Never part of a deployment: the benchmark's own fixture.
 */
public class LeaseStandIn {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Address provider = addressOf(args[1]);
        Address consumer = addressOf(args[2]);
        Address gateway = addressOf(args[3]);
        byte[] bundle = Files.readAllBytes(Path.of(args[4]));
        String cid = rawCidV1(bundle);
        UUID leaseId = UUID.randomUUID();
        LeaseView lease = new LeaseView(leaseId, UUID.randomUUID(), consumer, provider, "http://localhost", BidKind.COMPUTE,
                new Resources(1000, 256, 0), new Prices(Wei.of(2_000_000), Wei.of(200_000), Wei.of(2_000_000_000L), Wei.ZERO),
                LeaseState.ACTIVE, Instant.now(), null, null, null);
        String leases = JsonCodec.write(List.of(lease));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/api/v1/auth/challenge")) {
                    json(exchange, JsonCodec.write(Map.of("message", "stand-in", "expiresAt", Instant.now().plusSeconds(300).toString())));
                } else if (path.equals("/api/v1/auth/token")) {
                    json(exchange, JsonCodec.write(Map.of("token", "stand-in", "expiresAt", "2099-01-01T00:00:00Z")));
                } else if (path.equals("/api/v1/leases")) {
                    json(exchange, leases);
                } else if (path.endsWith("/leases/stream")) {
                    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                    exchange.sendResponseHeaders(200, 0);
                    exchange.getResponseBody().flush();
                    Thread.sleep(Long.MAX_VALUE); // no events: the lease list is the truth
                } else if (path.equals("/ipfs/" + cid)) {
                    exchange.sendResponseHeaders(200, bundle.length);
                    exchange.getResponseBody().write(bundle);
                } else if (path.startsWith("/api/v1/providers")) {
                    json(exchange, "{}");
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        Files.writeString(Path.of(args[5]), "BENCH_LEASE_ID=" + leaseId + "\nBENCH_BUNDLE_CID=" + cid + "\nBENCH_PROVIDER=" + provider
                + "\nBENCH_CONSUMER=" + consumer + "\nBENCH_GATEWAY_ADDRESS=" + gateway + "\n");
        System.out.println("stand-in marketplace and storage on port " + port + ", lease " + leaseId + ", bundle " + cid);
    }

    static Address addressOf(String keyFile) throws IOException {
        return new Address("0x" + org.web3j.crypto.Keys.getAddress(cloud.agora.protocol.eth.KeyFiles.read(Path.of(keyFile))));
    }

    static void json(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** CIDv1, raw codec, sha2-256, multibase base32 (lower case, no padding): a one-chunk file's CID with raw leaves. */
    static String rawCidV1(byte[] bytes) throws Exception {
        if (bytes.length > 256 * 1024) {
            throw new IllegalArgumentException("one chunk only (256 KiB)");
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
        byte[] cid = new byte[4 + digest.length];
        cid[0] = 0x01;
        cid[1] = 0x55;
        cid[2] = 0x12;
        cid[3] = 0x20;
        System.arraycopy(digest, 0, cid, 4, digest.length);
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder out = new StringBuilder("b");
        int buffer = 0;
        int bits = 0;
        for (byte b : cid) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }
}
