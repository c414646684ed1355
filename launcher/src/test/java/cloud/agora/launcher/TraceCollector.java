package cloud.agora.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OTLP/HTTP trace receiver in the test's JVM: it keeps every export's body (protobuf
 * {@code ExportTraceServiceRequest}) and answers 200. The test points the platform's services at it
 * ({@link #env}) and looks for a trace id's 16 bytes next to a span's name or a service's name in one export.
 */
final class TraceCollector implements AutoCloseable {

    private final HttpServer server;
    private final List<byte[]> exports = new CopyOnWriteArrayList<>();

    TraceCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exports.add(exchange.getRequestBody().readAllBytes());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    /** The environment that makes a service export its spans here (its OpenTelemetry SDK is off by default). */
    String[][] env() {
        return new String[][] {{"QUARKUS_OTEL_SDK_DISABLED", "false"},
                {"QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"},
                {"QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort()}};
    }

    /** Whether one export holds trace {@code traceIdHex} (32 hex digits) and every one of {@code names}. */
    boolean exported(String traceIdHex, String... names) {
        byte[] traceId = HexFormat.of().parseHex(traceIdHex);
        return exports.stream().anyMatch(body -> contains(body, traceId)
                && List.of(names).stream().allMatch(n -> contains(body, n.getBytes(StandardCharsets.UTF_8))));
    }

    int exports() {
        return exports.size();
    }

    private static boolean contains(byte[] body, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= body.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (body[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
