package vehiclespeed;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * vehicle-speed as an HTTP-mode function: the request body is CSV lines {@code vehicle,timestamp,lat,lon}, the
 * response {@code vehicle,from,to,km,kmh} per pair of consecutive pings of a vehicle, exactly as
 * {@code examples/vehicle-speed/handler.sh} answers (same lines, same rounding).
 */
public final class Main {

    static final double RADIUS_KM = 6371.0088;
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]+(\\.[0-9]+)?");
    /** The numeric prefix awk reads from a field ("12abc" is 12, "abc" is 0). */
    private static final Pattern NUMBER = Pattern.compile("^\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    /** The last ping of a vehicle: its timestamp as written, and where it was. */
    private record Ping(String time, double lat, double lon) {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            String pings = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] reply = speeds(pings).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/csv; charset=utf-8");
            exchange.sendResponseHeaders(200, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        });
        server.start();
    }

    /** The speeds of {@code pings}: a header, then one line per pair of consecutive pings of a vehicle, in input order. */
    static String speeds(String pings) {
        StringBuilder out = new StringBuilder("vehicle,from,to,km,kmh\n");
        Map<String, Ping> last = new HashMap<>();
        for (String line : pings.split("\n", -1)) {
            String[] f = line.replaceAll("\r$", "").split(",", -1);
            if (f.length < 4 || !TIMESTAMP.matcher(f[1]).matches()) {
                continue; // a header, a blank or a broken line
            }
            Ping previous = last.get(f[0]);
            double lat = number(f[2]);
            double lon = number(f[3]);
            if (previous != null && Double.parseDouble(f[1]) > Double.parseDouble(previous.time())) {
                double km = km(previous.lat(), previous.lon(), lat, lon);
                double kmh = km * 3600 / (Double.parseDouble(f[1]) - Double.parseDouble(previous.time()));
                out.append(f[0]).append(',').append(previous.time()).append(',').append(f[1]).append(',')
                        .append(fixed(km, 4)).append(',').append(fixed(kmh, 2)).append('\n');
            }
            last.put(f[0], new Ping(f[1], lat, lon));
        }
        return out.toString();
    }

    /** Great-circle distance (haversine) in km. */
    static double km(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double s1 = Math.sin((p2 - p1) / 2);
        double s2 = Math.sin(Math.toRadians(lon2 - lon1) / 2);
        double a = s1 * s1 + Math.cos(p1) * Math.cos(p2) * s2 * s2;
        return 2 * RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
    }

    /** As C's printf {@code %.Nf}: the double's exact value rounded half to even. */
    private static String fixed(double value, int decimals) {
        return new BigDecimal(value).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static double number(String field) {
        Matcher m = NUMBER.matcher(field);
        return m.find() ? Double.parseDouble(m.group().strip()) : 0;
    }
}
