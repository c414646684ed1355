package cloud.agora.storage.bench;

import cloud.agora.protocol.auth.AccessTokens;
import cloud.agora.protocol.eth.Address;
import cloud.agora.testsupport.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Uploads and downloads one large object through a packaged storage gateway running in its own
 * JVM with a small, fixed heap, and prints the throughput of both and the server's peak RSS.
 * Not a test: run it with {@code storage-gateway/bench/run.sh} (see the README).
 *
 * <p>Arguments: size in MiB (default 1024), server heap (default 128m), fsync (default true).
 */
public final class ObjectBenchmark {

    private ObjectBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long size = (args.length > 0 ? Long.parseLong(args[0]) : 1024) << 20;
        String heap = args.length > 1 ? args[1] : "128m";
        boolean fsync = args.length <= 2 || Boolean.parseBoolean(args[2]);
        Path app = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(app)) {
            throw new IllegalStateException("package the service first: mvn -o -q -pl storage-gateway package -DskipTests");
        }
        Path store = Files.createTempDirectory("agora-bench-blocks");
        PostgresServer.Database db = PostgresServer.newDatabase();
        String secret = "benchmark-secret-0123456789abcdef-0123456789";
        int port = 18084;
        Path log = Files.createTempFile("agora-bench-gateway", ".log");
        ProcessBuilder builder = new ProcessBuilder(List.of("java", "-Xmx" + heap, "-jar", app.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(java.util.Map.of(
                "QUARKUS_HTTP_PORT", String.valueOf(port),
                "AGORA_STORAGE_DB_URL", db.jdbcUrl(),
                "AGORA_DB_USER", db.user(),
                "AGORA_DB_PASSWORD", db.password(),
                "AGORA_AUTH_SECRET", secret,
                "AGORA_STORAGE_PATH", store.toString(),
                "AGORA_STORAGE_BLOCKSTORE_FSYNC", String.valueOf(fsync),
                "AGORA_STORAGE_UPLOAD_MAX_SIZE", String.valueOf(size + 1)));
        Process server = builder.start();
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            awaitUp(http, port, server, log);
            String token = new AccessTokens(secret.getBytes(StandardCharsets.UTF_8), Duration.ofHours(1))
                    .issue(Address.parse("0x000000000000000000000000000000000000bea7"), Instant.now()).token();

            // the file is made before timing, so the client's own work is not measured
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            Path file = Files.createTempFile("agora-bench-object", ".bin");
            try (InputStream in = new Generated(size, sent)) {
                Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            double cpu0 = cpuSeconds(server);
            long start = System.nanoTime();
            HttpResponse<String> uploaded = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/v1/objects?cid-version=1"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(file))
                    .build(), HttpResponse.BodyHandlers.ofString());
            double upSeconds = (System.nanoTime() - start) / 1e9;
            double cpu1 = cpuSeconds(server);
            Files.delete(file);
            if (uploaded.statusCode() != 201) {
                throw new IllegalStateException("upload answered " + uploaded.statusCode() + ": " + uploaded.body());
            }
            String cid = uploaded.body().replaceAll(".*\"cid\":\"([^\"]+)\".*", "$1");
            long rssAfterUpload = peakRss(server);

            MessageDigest received = MessageDigest.getInstance("SHA-256");
            start = System.nanoTime();
            HttpResponse<InputStream> download = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/ipfs/" + cid)).build(), HttpResponse.BodyHandlers.ofInputStream());
            long got = 0;
            try (InputStream in = download.body()) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received.update(buffer, 0, n);
                    got += n;
                }
            }
            double downSeconds = (System.nanoTime() - start) / 1e9;
            double cpu2 = cpuSeconds(server);
            boolean same = MessageDigest.isEqual(sent.digest(), received.digest()) && got == size;

            double mib = size / (double) (1 << 20);
            System.out.printf("object   %d MiB, CIDv1 %s%n", size >> 20, cid);
            System.out.printf("server   -Xmx%s, fsync=%s, peak RSS %d MiB (after upload %d MiB)%n", heap, fsync,
                    peakRss(server) >> 20, rssAfterUpload >> 20);
            System.out.printf("upload   %.1f s, %.0f MiB/s%n", upSeconds, mib / upSeconds);
            System.out.printf("download %.1f s, %.0f MiB/s, bytes identical: %s%n", downSeconds, mib / downSeconds, same);
            // CPU the server used, whatever else runs on the machine: MiB per CPU-second bounds
            // what the server can do per core when it is not starved
            System.out.printf("server CPU  upload %.1f s (%.0f MiB per CPU-second), download %.1f s (%.0f MiB per CPU-second)%n",
                    cpu1 - cpu0, mib / (cpu1 - cpu0), cpu2 - cpu1, mib / (cpu2 - cpu1));
            if (!same) {
                System.exit(1);
            }
        } finally {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            try (var paths = Files.walk(store)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static void awaitUp(HttpClient http, int port, Process server, Path log) throws Exception {
        for (int i = 0; i < 120; i++) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the gateway exited:\n" + Files.readString(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the gateway did not start:\n" + Files.readString(log));
    }

    /** User + system CPU time of the process so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
    private static double cpuSeconds(Process process) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    /** The process's peak resident set (VmHWM), in bytes. */
    private static long peakRss(Process process) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    /** Pseudo-random bytes, hashed as they are made. */
    private static final class Generated extends InputStream {
        private final SplittableRandom random = new SplittableRandom(42);
        private final MessageDigest digest;
        private long left;

        Generated(long size, MessageDigest digest) {
            this.left = size;
            this.digest = digest;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i += 8) {
                long r = random.nextLong();
                for (int j = 0; j < 8 && i + j < n; j++) {
                    b[off + i + j] = (byte) (r >>> (j * 8));
                }
            }
            digest.update(b, off, n);
            left -= n;
            return n;
        }
    }
}
