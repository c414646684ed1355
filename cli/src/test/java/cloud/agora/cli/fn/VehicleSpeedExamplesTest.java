package cloud.agora.cli.fn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Java and Python ports of {@code examples/vehicle-speed} answer, as HTTP servers, exactly what its
 * {@code handler.sh} prints under busybox for the same pings: the sample and random tracks over the whole globe with
 * headers, CRLF line ends, broken lines and pings out of order. The servers run on the host (the Java one with the
 * single-file source launcher, ~3 s idle; the Python one with Debian's python3.11); their images are built by
 * {@code fn build} like the templates'.
 */
class VehicleSpeedExamplesTest {

    static final Path EXAMPLES = Path.of("..", "examples");
    static final Path BUSYBOX = Path.of("/bin/busybox");

    @Test
    void javaAndPythonServersAnswerWhatTheShellHandlerPrints() throws Exception {
        assumeTrue(Files.isExecutable(BUSYBOX) && Files.isExecutable(FunctionBuilder.PYTHON), "needs busybox and python3.11");
        String sample = Files.readString(EXAMPLES.resolve("vehicle-speed/sample.csv"));
        String random = randomPings(new Random(20261205), 400);
        String shellSample = handler(sample);
        String shellRandom = handler(random);
        assertThat(shellSample).startsWith("vehicle,from,to,km,kmh\nbus-12,1700000000,1700000060,0.5808,34.85\n");
        assertThat(shellRandom.lines().count()).isGreaterThan(200);

        Path javaMain = EXAMPLES.resolve("vehicle-speed-java/src/main/java/vehiclespeed/Main.java");
        Path pythonMain = EXAMPLES.resolve("vehicle-speed-python/main.py");
        for (List<String> server : List.of(List.of(javaHome("java"), javaMain.toString()),
                List.of(FunctionBuilder.PYTHON.toString(), pythonMain.toString()))) {
            int port = freePort();
            Path log = Files.createTempFile("vehicle-speed-", ".log");
            ProcessBuilder builder = new ProcessBuilder(server).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("PORT", Integer.toString(port));
            Process process = builder.start();
            try {
                assertThat(call(port, sample, process, log)).as(server.toString()).isEqualTo(shellSample);
                assertThat(call(port, random, process, log)).as(server.toString()).isEqualTo(shellRandom);
            } finally {
                process.destroyForcibly();
                process.waitFor();
                Files.deleteIfExists(log);
            }
        }
    }

    private static String randomPings(Random random, int n) {
        StringBuilder csv = new StringBuilder("vehicle,timestamp,lat,lon\r\n");
        long[] time = {1_700_000_000L, 1_700_000_000L, 1_700_000_000L, 1_700_000_000L};
        for (int i = 0; i < n; i++) {
            int v = random.nextInt(time.length);
            time[v] += random.nextInt(10) == 0 ? -random.nextInt(100) : 1 + random.nextInt(600); // sometimes out of order
            double lat = -90 + 180 * random.nextDouble();
            double lon = -180 + 360 * random.nextDouble();
            csv.append(String.format(Locale.ROOT, "car-%d,%d,%.6f,%.6f", v, time[v], lat, lon));
            csv.append(random.nextBoolean() ? "\r\n" : "\n");
            if (random.nextInt(40) == 0) {
                csv.append("broken line without fields\n").append("car-1,not-a-time,1,2\n").append("\n");
            }
        }
        return csv.toString();
    }

    private static String handler(String pings) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder(BUSYBOX.toString(), "sh", EXAMPLES.resolve("vehicle-speed/handler.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        sh.getOutputStream().write(pings.getBytes(StandardCharsets.UTF_8));
        sh.getOutputStream().close();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).isZero();
        return out;
    }

    /** The server's answer to {@code body}, waiting up to 90 s for it to listen (javac's start on a loaded machine). */
    private static String call(int port, String body, Process server, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                return response.body();
            } catch (IOException notYet) {
                assertThat(server.isAlive()).as("the server runs: %s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("the server listens: %s %s", notYet, Files.readString(log)).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    private static String javaHome(String tool) {
        return Path.of(System.getProperty("java.home"), "bin", tool).toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
