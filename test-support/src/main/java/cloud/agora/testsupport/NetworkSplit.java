package cloud.agora.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace of the test's own joined to the host by veth pairs ({@link Link}s), each of which a test can cut
 * (the link goes down: connections fail at once), black-hole (every packet dropped both ways by a {@code pfifo} queue
 * of length 0 on each end: connections hang until their own timeouts; this kernel has no {@code netem}) and heal, while
 * traffic runs. Link {@code i} (from 0) is the /30 {@code 10.<a>.<b>.<c+4i>}: the host's side {@code +1}, the
 * namespace's {@code +2}; the namespace has its loopback and its links only, no default route. With two links a
 * process inside can lose some peers (those it reaches over one link) and keep others (those that reach it over the
 * other). Needs root and iproute2 ({@code ip}, {@code tc}). Only the project's own namespaces and the host's side of
 * their links are touched.
 */
public final class NetworkSplit implements AutoCloseable {

    /** The most links one namespace gets. */
    static final int MAX_LINKS = 4;

    private final String suffix;
    private final String name;
    private final String base;
    private final int network;
    private final List<Link> links = new ArrayList<>();

    private NetworkSplit(String suffix, String base, int network) {
        this.suffix = suffix;
        this.name = "agora-" + suffix;
        this.base = base;
        this.network = network;
    }

    /** Whether this process may make namespaces (root, with {@code ip}, {@code tc} and {@code nsenter}). */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && run(List.of("ip", "netns", "list")) == 0
                && run(List.of("tc", "-V")) == 0 && run(List.of("nsenter", "--version")) == 0;
    }

    /** Makes a namespace named {@code agora-<6 random hex>} with one link up. */
    public static NetworkSplit create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // /30s in 10.200–249.x.y: a private range the machine's own networks are unlikely to use
        NetworkSplit split = new NetworkSplit(String.format("%06x", random.nextInt(1 << 24)),
                "10." + (200 + random.nextInt(50)) + "." + random.nextInt(256) + ".", 4 * random.nextInt(64 - MAX_LINKS));
        try {
            must("ip", "netns", "add", split.name);
            split.inside("ip", "link", "set", "lo", "up");
            split.addLink();
        } catch (RuntimeException e) {
            split.close();
            throw e;
        }
        return split;
    }

    /** Another link between the host and the namespace, up, on the next /30. */
    public Link addLink() {
        if (links.size() == MAX_LINKS) {
            throw new IllegalStateException("at most " + MAX_LINKS + " links");
        }
        int i = links.size();
        int first = network + 4 * i;
        Link link = new Link("ah" + suffix + i, "an" + suffix + i, base + (first + 1), base + (first + 2));
        links.add(link);
        must("ip", "link", "add", link.hostLink, "type", "veth", "peer", "name", link.innerLink);
        must("ip", "link", "set", link.innerLink, "netns", name);
        must("ip", "addr", "add", link.hostAddress + "/30", "dev", link.hostLink);
        must("ip", "link", "set", link.hostLink, "up");
        inside("ip", "addr", "add", link.innerAddress + "/30", "dev", link.innerLink);
        inside("ip", "link", "set", link.innerLink, "up");
        return link;
    }

    /** The first link. */
    public Link link() {
        return links.get(0);
    }

    /** The namespace's name. */
    public String name() {
        return name;
    }

    /** The first link's host address: what a process inside reaches the host's services at. */
    public String hostAddress() {
        return link().hostAddress();
    }

    /** The first link's namespace address: what the host reaches a server inside at. */
    public String innerAddress() {
        return link().innerAddress();
    }

    /**
     * {@code command} run inside the namespace: prefix it for a {@link ProcessBuilder}. Only the network namespace is
     * entered ({@code nsenter --net}): the process sees the host's file systems, {@code /sys/fs/cgroup} included (which
     * {@code ip netns exec} would hide by mounting a fresh {@code /sys}), so runc works inside. The process started is
     * the command itself ({@code nsenter} execs it), so its PID is the command's.
     */
    public List<String> inNamespace(List<String> command) {
        List<String> out = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + name));
        out.addAll(command);
        return out;
    }

    /** Takes the first link down. */
    public void cut() {
        link().cut();
    }

    /** Black-holes the first link. */
    public void blackHole() {
        link().blackHole();
    }

    /** Heals the first link. */
    public void heal() {
        link().heal();
    }

    /** Deletes the namespace (and with it the links). */
    @Override
    public void close() {
        for (Link link : links) {
            run(List.of("ip", "link", "del", link.hostLink));
        }
        run(List.of("ip", "netns", "del", name));
    }

    /** One veth pair between the host and the namespace. */
    public final class Link {

        private final String hostLink;
        private final String innerLink;
        private final String hostAddress;
        private final String innerAddress;

        private Link(String hostLink, String innerLink, String hostAddress, String innerAddress) {
            this.hostLink = hostLink;
            this.innerLink = innerLink;
            this.hostAddress = hostAddress;
            this.innerAddress = innerAddress;
        }

        /** The host's address on this link. */
        public String hostAddress() {
            return hostAddress;
        }

        /** The namespace's address on this link. */
        public String innerAddress() {
            return innerAddress;
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
            run(inNamespace(List.of("tc", "qdisc", "del", "dev", innerLink, "root")));
            must("ip", "link", "set", hostLink, "up");
        }
    }

    private void inside(String... command) {
        must(inNamespace(List.of(command)).toArray(String[]::new));
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
