package cloud.agora.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace of the test's own joined to the host by a veth pair, whose link a test can cut (the link goes
 * down: connections fail at once), black-hole (every packet dropped both ways by a {@code pfifo} queue of length 0 on
 * each end: connections hang until their own timeouts; this kernel has no {@code netem}) and heal, while traffic runs.
 * The host side is {@code 10.<a>.<b>.<c+1>/30}, the namespace side {@code <c+2>}; the namespace has its loopback and
 * that link only. Needs root and iproute2 ({@code ip}, {@code tc}). Only the project's own namespaces and the host's
 * side of their links are touched.
 */
public final class NetworkSplit implements AutoCloseable {

    private final String name;
    private final String hostLink;
    private final String innerLink;
    private final String hostAddress;
    private final String innerAddress;

    private NetworkSplit(String suffix, String hostAddress, String innerAddress) {
        this.name = "agora-" + suffix;
        this.hostLink = "ah" + suffix;
        this.innerLink = "an" + suffix;
        this.hostAddress = hostAddress;
        this.innerAddress = innerAddress;
    }

    /** Whether this process may make namespaces (root, with {@code ip} and {@code tc}). */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && run(List.of("ip", "netns", "list")) == 0
                && run(List.of("tc", "-V")) == 0;
    }

    /** Makes a namespace named {@code agora-<6 random hex>} with its link up. */
    public static NetworkSplit create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // a /30 in 10.200–249.x.y: a private range the machine's own networks are unlikely to use
        String base = "10." + (200 + random.nextInt(50)) + "." + random.nextInt(256) + ".";
        int network = 4 * random.nextInt(64);
        NetworkSplit split = new NetworkSplit(String.format("%06x", random.nextInt(1 << 24)), base + (network + 1),
                base + (network + 2));
        split.up();
        return split;
    }

    private void up() {
        must("ip", "netns", "add", name);
        try {
            must("ip", "link", "add", hostLink, "type", "veth", "peer", "name", innerLink);
            must("ip", "link", "set", innerLink, "netns", name);
            must("ip", "addr", "add", hostAddress + "/30", "dev", hostLink);
            must("ip", "link", "set", hostLink, "up");
            inside("ip", "addr", "add", innerAddress + "/30", "dev", innerLink);
            inside("ip", "link", "set", innerLink, "up");
            inside("ip", "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The namespace's name (for {@code ip netns exec}). */
    public String name() {
        return name;
    }

    /** The host's address on the link: what a process inside reaches the host's services at. */
    public String hostAddress() {
        return hostAddress;
    }

    /** The namespace's address on the link: what the host reaches a server inside at. */
    public String innerAddress() {
        return innerAddress;
    }

    /** {@code command} run inside the namespace: prefix it for a {@link ProcessBuilder}. */
    public List<String> inNamespace(List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", name));
        out.addAll(command);
        return out;
    }

    /** Takes the link down: packets either way fail at once (no route). */
    public void cut() {
        must("ip", "link", "set", hostLink, "down");
    }

    /** Drops every packet either way; the link stays up, so senders wait for their own timeouts. */
    public void blackHole() {
        must("tc", "qdisc", "replace", "dev", hostLink, "root", "pfifo", "limit", "0");
        inside("tc", "qdisc", "replace", "dev", innerLink, "root", "pfifo", "limit", "0");
    }

    /** Undoes {@link #cut} and {@link #blackHole}. */
    public void heal() {
        run(List.of("tc", "qdisc", "del", "dev", hostLink, "root"));
        run(List.of("ip", "netns", "exec", name, "tc", "qdisc", "del", "dev", innerLink, "root"));
        must("ip", "link", "set", hostLink, "up");
    }

    /** Deletes the namespace (and with it the link). */
    @Override
    public void close() {
        run(List.of("ip", "link", "del", hostLink));
        run(List.of("ip", "netns", "del", name));
    }

    private void inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        must(full.toArray(String[]::new));
    }

    private static void must(String... command) {
        List<String> output = new ArrayList<>();
        if (run(List.of(command), output) != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + String.join("\n", output));
        }
    }

    private static int run(List<String> command) {
        return run(command, new ArrayList<>());
    }

    private static int run(List<String> command, List<String> output) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            output.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            return p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
