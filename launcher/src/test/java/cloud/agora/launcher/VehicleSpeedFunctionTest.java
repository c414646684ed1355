package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The example function {@code examples/vehicle-speed/handler.sh}, run as the shell runtime runs it
 * (busybox sh and busybox awk, which has no math library), against speeds computed here
 * independently with {@link Math}'s haversine.
 */
class VehicleSpeedFunctionTest {

    static final Path HANDLER = LocalPlatform.REPO.resolve("examples/vehicle-speed/handler.sh");
    static final double EARTH_RADIUS_KM = 6371.0088;

    /** One output line of the function. */
    record Speed(String vehicle, long from, long to, double km, double kmh) {
    }

    /** GPS pings as the function reads them, and the speeds an independent computation expects. */
    record Pings(String csv, List<Speed> expected) {
    }

    @Test
    void speedsOfRandomTracksMatchAnIndependentHaversine() throws Exception {
        Pings pings = randomPings(new Random(20261121), 400);
        assertMatches(run(pings.csv()), pings.expected());
    }

    /** {@code count} pings of up to 7 vehicles anywhere on Earth (both hemispheres, both sides of the antimeridian). */
    static Pings randomPings(Random random, int count) {
        StringBuilder csv = new StringBuilder("vehicle,timestamp,lat,lon\n");
        Map<String, double[]> position = new HashMap<>();
        Map<String, Long> clock = new HashMap<>();
        List<Speed> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String vehicle = "v" + random.nextInt(7);
            double[] last = position.get(vehicle);
            double lat = last == null ? random.nextDouble() * 160 - 80 : last[0] + random.nextGaussian() * 0.01;
            double lon = last == null ? random.nextDouble() * 360 - 180 : last[1] + random.nextGaussian() * 0.01;
            long t = clock.getOrDefault(vehicle, 1_700_000_000L) + 1 + random.nextInt(120);
            String latText = String.format(java.util.Locale.ROOT, "%.6f", lat);
            String lonText = String.format(java.util.Locale.ROOT, "%.6f", lon);
            csv.append(vehicle).append(',').append(t).append(',').append(latText).append(',').append(lonText).append('\n');
            double[] now = {Double.parseDouble(latText), Double.parseDouble(lonText)};
            if (last != null) {
                double km = haversineKm(last[0], last[1], now[0], now[1]);
                expected.add(new Speed(vehicle, clock.get(vehicle), t, km, km * 3600 / (t - clock.get(vehicle))));
            }
            position.put(vehicle, now);
            clock.put(vehicle, t);
        }
        return new Pings(csv.toString(), expected);
    }

    /** Every line as expected, within the printed precision (4 decimals of km, 2 of km/h). */
    static void assertMatches(List<Speed> actual, List<Speed> expected) {
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            Speed want = expected.get(i);
            Speed got = actual.get(i);
            assertThat(got.vehicle()).isEqualTo(want.vehicle());
            assertThat(got.from()).isEqualTo(want.from());
            assertThat(got.to()).isEqualTo(want.to());
            assertThat(got.km()).as("km of %s", want).isCloseTo(want.km(), within(0.00006));
            assertThat(got.kmh()).as("km/h of %s", want).isCloseTo(want.kmh(), within(0.006));
        }
    }

    @Test
    void longDistancesAreGreatCircleDistances() throws Exception {
        // Sydney to Adelaide, and two points on opposite sides of the antimeridian
        List<Speed> speeds = run("a,0,-33.868820,151.209290\na,3600,-34.928500,138.600700\n"
                + "b,0,10.0,179.9\nb,60,10.0,-179.9\n");
        assertThat(speeds.get(0).km()).isCloseTo(haversineKm(-33.868820, 151.209290, -34.928500, 138.600700), within(0.00006));
        assertThat(speeds.get(0).km()).isBetween(1160.0, 1165.0);
        assertThat(speeds.get(1).km()).isCloseTo(haversineKm(10.0, 179.9, 10.0, -179.9), within(0.00006));
        assertThat(speeds.get(1).km()).isLessThan(25.0);
    }

    @Test
    void headersBadLinesAndOutOfOrderPingsGiveNoSpeed() throws Exception {
        List<Speed> speeds = run("vehicle,timestamp,lat,lon\r\n"
                + "car,100,52.0,13.0\r\n"
                + "car,not-a-time,52.1,13.1\n"
                + "car,100,52.0,13.1\n"          // same second: a new segment, no speed
                + "car,160,52.0,13.1\n"          // 60 s standing still
                + "broken line\n"
                + "car,220,52.009,13.1\n");      // 1 km north in 60 s
        assertThat(speeds).extracting(Speed::from).containsExactly(100L, 160L);
        assertThat(speeds.get(0).kmh()).isZero();
        assertThat(speeds.get(1).kmh()).isCloseTo(haversineKm(52.0, 13.1, 52.009, 13.1) * 60, within(0.006));
    }

    /** Runs the handler with busybox sh, the pings on stdin, and parses its CSV output. */
    static List<Speed> run(String pings) throws Exception {
        Process process = new ProcessBuilder("busybox", "sh", HANDLER.toString()).redirectErrorStream(true).start();
        process.getOutputStream().write(pings.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("exit status; output:%n%s", out).isZero();
        return parse(out);
    }

    /** The function's output: a header, then {@code vehicle,from,to,km,kmh} lines. */
    static List<Speed> parse(String out) {
        List<String> lines = out.lines().toList();
        assertThat(lines.get(0)).isEqualTo("vehicle,from,to,km,kmh");
        List<Speed> speeds = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            speeds.add(new Speed(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4])));
        }
        return speeds;
    }

    static double haversineKm(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double a = Math.pow(Math.sin((p2 - p1) / 2), 2)
                + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(Math.toRadians(lon2 - lon1) / 2), 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(a));
    }
}
