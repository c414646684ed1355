package cloud.agora.storage.integration.agent;

import cloud.agora.ipld.Cid;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.invocation.GrantVerifier;
import cloud.agora.protocol.invocation.StorageGrant;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.usage.StoragePeriods;
import cloud.agora.protocol.invocation.StorageProof;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An in-test provider agent's storage role, as DESIGN.md fixes it: real block files under
 * {@code <dir>/storage/<leaseId>/<cid>}, hash-checked on PUT, challenges answered from the bytes
 * on disk (so damaging a file makes its proofs wrong), and the first two requests for a new
 * lease answered {@code 404 lease-not-held} (a real agent learns its leases from the
 * marketplace's stream a moment after the match). Like a real agent, it serves nothing without a
 * storage grant that {@link GrantVerifier} accepts — signed by a trusted gateway key, for this
 * provider and the lease of the path, within its validity — and answers {@code 401} with the
 * rejection's slug otherwise. It records every request and every grant it accepted or refused.
 * It takes witnessed storage periods ({@code POST .../periods}, a {@link StoragePeriods.WitnessedPeriods}) and
 * records every call as it came, answering {@link StoragePeriods.Accepted} with how many periods were new to it
 * (it keeps what it got; checking the witnesses is the test's part, which knows the lease's payer).
 * On demand it misbehaves: block reads answered with far more bytes than any block, or, as a lazy provider,
 * a lease's blocks deleted and its challenges answered from blocks fetched elsewhere when asked. Port 0.
 */
public final class StorageAgentServer implements AutoCloseable {

    private static final String PREFIX = "/api/v1/storage/leases/";

    private final HttpServer server;
    private final Path dir;
    private final Address provider;
    private final GrantVerifier verifier;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<StorageGrant> accepted = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private volatile long oversizedBlocks;
    private volatile long oversizedProofs;
    private final AtomicLong oversizedWritten = new AtomicLong();
    private volatile CountDownLatch oversizedDone = new CountDownLatch(1);
    /** Requests per lease answered {@code lease-not-held} before the agent "learns" the lease. */
    private static final int LEASE_LAG_REQUESTS = 2;
    private final java.util.Map<String, Integer> unknownAnswers = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile PutGate gate;
    private final Map<String, CountDownLatch> heldChallenges = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Function<Cid, Optional<byte[]>>> lazy = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
    private final List<PeriodsCall> periodsCalls = new CopyOnWriteArrayList<>();

    /**
     * One {@code POST .../periods} the agent served.
     *
     * @param leaseId  the path's lease
     * @param received when it arrived
     * @param periods  the witnessed periods in its body, in order
     */
    public record PeriodsCall(UUID leaseId, Instant received, List<StoragePeriods.Witnessed> periods) {
    }

    /** Every witnessed-periods call it served, in order of arrival. */
    public List<PeriodsCall> periodsCalls() {
        return List.copyOf(periodsCalls);
    }

    /** The witnessed periods it received for a lease, in order of arrival, repeats included. */
    public List<StoragePeriods.Witnessed> witnessedPeriods(UUID leaseId) {
        return periodsCalls.stream().filter(c -> c.leaseId().equals(leaseId)).flatMap(c -> c.periods().stream()).toList();
    }

    /**
     * Holds block PUTs, across every agent that shares it, once {@code free} of them have passed,
     * until {@link #open()}: a test stops a replication in the middle of its copying.
     */
    public static final class PutGate {
        private final int free;
        private final AtomicInteger passed = new AtomicInteger();
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);

        public PutGate(int free) {
            this.free = free;
        }

        /** Waits until a PUT is held. */
        public void awaitHeld() throws InterruptedException {
            if (!held.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("no block PUT reached the gate within 60 s");
            }
        }

        public void open() {
            open.countDown();
        }

        void enter() throws InterruptedException {
            if (passed.incrementAndGet() > free) {
                held.countDown();
                if (!open.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the gate stayed closed for 60 s");
                }
            }
        }
    }

    /**
     * From now on a challenge for the lease is answered only once {@code release} is counted down (at most 60 s later):
     * an agent too slow for the challenge deadline.
     */
    public void holdChallengesFor(String leaseId, CountDownLatch release) {
        heldChallenges.put(leaseId, release);
    }

    /** Puts block PUTs behind {@code gate} (null: none). */
    public void holdPutsAt(PutGate gate) {
        this.gate = gate;
    }

    /**
     * @param dir      where its lease folders live
     * @param provider the provider it serves (grants must name it)
     * @param gateways the gateway keys whose grants it accepts
     */
    public StorageAgentServer(Path dir, Address provider, Set<Address> gateways) throws IOException {
        this.dir = dir;
        this.provider = provider;
        this.verifier = new GrantVerifier(() -> gateways, Duration.ofSeconds(30));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(PREFIX, this::handle);
        server.setExecutor(handlers);
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

    /** The provider it serves. */
    public Address provider() {
        return provider;
    }

    /** Requests received so far, whatever became of them. */
    public int requests() {
        return requests.get();
    }

    /** The grants it accepted, one per request served. */
    public List<StorageGrant> acceptedGrants() {
        return List.copyOf(accepted);
    }

    /** The rejection slugs of the requests it refused for their grant. */
    public List<String> refusedGrants() {
        return List.copyOf(refused);
    }

    /**
     * From now on it is a lazy provider for the lease: it deletes the lease's blocks and answers each challenge for
     * it from the block {@code source} finds for the challenged CID (fetched elsewhere, when asked), hashing it with
     * the nonce exactly as it would have hashed its own copy.
     */
    public void turnLazy(String leaseId, Function<Cid, Optional<byte[]>> source) throws IOException {
        lazy.put(leaseId, source);
        deleteTree(leaseDir(leaseId));
    }

    /** From now on, a block read (with a valid grant) is answered with {@code bytes} bytes, chunked. */
    public void answerBlocksWith(long bytes) {
        oversizedDone = new CountDownLatch(1);
        oversizedWritten.set(0);
        oversizedBlocks = bytes;
    }

    /** From now on, a challenge (with a valid grant) is answered with a JSON proof of {@code bytes} characters. */
    public void answerChallengesWith(long bytes) {
        oversizedDone = new CountDownLatch(1);
        oversizedWritten.set(0);
        oversizedProofs = bytes;
    }

    /**
     * Waits until the last oversized answer ended (written whole, or cut off by the gateway).
     *
     * @return the bytes of it the gateway let through before it stopped reading (all of them if it read all)
     */
    public long oversizedAnswerWritten() throws InterruptedException {
        if (!oversizedDone.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the oversized answer did not end within 60 s");
        }
        return oversizedWritten.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String[] parts = exchange.getRequestURI().getPath().substring(PREFIX.length()).split("/");
            String leaseId = parts[0];
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            StorageGrant grant = null;
            if (authorization != null && authorization.startsWith(StorageGrant.SCHEME + " ")) {
                try {
                    grant = StorageGrant.fromToken(authorization.substring(StorageGrant.SCHEME.length() + 1));
                } catch (IllegalArgumentException e) {
                    refused.add(GrantVerifier.Rejection.FORGED);
                    answer(exchange, 401, "{\"type\":\"urn:agora:problem:grant-forged\"}");
                    return;
                }
            }
            Optional<GrantVerifier.Rejection> rejection = verifier.check(grant, provider, UUID.fromString(leaseId),
                    Instant.now());
            if (rejection.isPresent()) {
                refused.add(rejection.get().reason());
                answer(exchange, 401, "{\"type\":\"urn:agora:problem:" + rejection.get().reason() + "\"}");
                return;
            }
            accepted.add(grant);
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
                PutGate held = gate;
                if (held != null) {
                    held.enter();
                }
                byte[] block = exchange.getRequestBody().readAllBytes();
                if (!cid.matches(block)) {
                    answer(exchange, 400, "{\"type\":\"urn:agora:problem:block-hash-mismatch\"}");
                    return;
                }
                Files.createDirectories(leaseDir(leaseId));
                Files.write(leaseDir(leaseId).resolve(cid.toString()), block);
                exchange.sendResponseHeaders(201, -1);
            } else if (parts.length == 3 && parts[1].equals("blocks") && method.equals("GET") && oversizedBlocks > 0) {
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(200, 0);
                stream(exchange, oversizedBlocks, (byte) 0);
            } else if (parts.length == 2 && parts[1].equals("challenges") && method.equals("POST") && oversizedProofs > 0) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write("{\"proof\":\"".getBytes(StandardCharsets.US_ASCII));
                stream(exchange, oversizedProofs, (byte) 'a');
            } else if (parts.length == 3 && parts[1].equals("blocks") && method.equals("GET")) {
                try {
                    byte[] block = Files.readAllBytes(leaseDir(leaseId).resolve(Cid.parse(parts[2]).toString()));
                    exchange.sendResponseHeaders(200, block.length == 0 ? -1 : block.length);
                    exchange.getResponseBody().write(block);
                } catch (NoSuchFileException e) {
                    answer(exchange, 404, "{\"type\":\"urn:agora:problem:block-not-found\"}");
                }
            } else if (parts.length == 2 && parts[1].equals("periods") && method.equals("POST")) {
                StoragePeriods.WitnessedPeriods body = JsonCodec.read(new String(exchange.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8), StoragePeriods.WitnessedPeriods.class);
                UUID lease = UUID.fromString(leaseId);
                java.util.Set<Instant> known = new java.util.HashSet<>();
                witnessedPeriods(lease).forEach(w -> known.add(w.start()));
                int fresh = (int) body.periods().stream().map(StoragePeriods.Witnessed::start).distinct()
                        .filter(start -> !known.contains(start)).count();
                periodsCalls.add(new PeriodsCall(lease, Instant.now(), List.copyOf(body.periods())));
                answer(exchange, 200, JsonCodec.write(new StoragePeriods.Accepted(fresh)));
            } else if (parts.length == 2 && parts[1].equals("challenges") && method.equals("POST")) {
                Map<?, ?> challenge = JsonCodec.read(new String(exchange.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8), Map.class);
                String cid = Cid.parse((String) challenge.get("cid")).toString();
                String nonce = (String) challenge.get("nonce");
                CountDownLatch held = heldChallenges.get(leaseId);
                if (held != null && !held.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a held challenge was not released within 60 s");
                }
                try {
                    Function<Cid, Optional<byte[]>> source = lazy.get(leaseId);
                    byte[] block = source == null ? Files.readAllBytes(leaseDir(leaseId).resolve(cid))
                            : source.apply(Cid.parse(cid)).orElseThrow(() -> new NoSuchFileException(cid));
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    sha.update(block);
                    sha.update(HexFormat.of().parseHex(nonce));
                    answer(exchange, 200, JsonCodec.write(new StorageProof(cid, nonce, HexFormat.of().formatHex(sha.digest()))));
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

    /** Writes {@code bytes} bytes in 64 KiB pieces, counting what the peer took, until done or cut off. */
    private void stream(HttpExchange exchange, long bytes, byte fill) {
        byte[] piece = new byte[64 << 10];
        java.util.Arrays.fill(piece, fill);
        try {
            long left = bytes;
            while (left > 0) {
                int n = (int) Math.min(piece.length, left);
                exchange.getResponseBody().write(piece, 0, n);
                oversizedWritten.addAndGet(n);
                left -= n;
            }
        } catch (IOException cutOff) {
            // the gateway stopped reading and closed the connection
        } finally {
            oversizedDone.countDown();
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
        handlers.shutdownNow();
    }
}
