package cloud.agora.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real split: a client inside the namespace reaches a server on the host's side of the link; cut, it fails at once;
 * black-holed, it hangs until its own timeout; healed, it reaches the server again. The server counts the connections
 * it accepted, so "nothing got through" is observed, not assumed.
 */
class NetworkSplitTest {

    @Test
    void aCutFailsAtOnceABlackHoleHangsAndAHealReconnects() throws Exception {
        assumeTrue(NetworkSplit.available(), "root, ip netns and tc");
        try (NetworkSplit split = NetworkSplit.create(); CountingServer server = new CountingServer(split.hostAddress())) {
            assertThat(client(split, server.target(), "first", 5)).isEqualTo("0 ok");

            split.cut();
            assertThat(client(split, server.target(), "cut..", 5)).as("a cut link fails before any timeout").startsWith("1");

            split.heal();
            split.blackHole();
            long started = System.nanoTime();
            assertThat(client(split, server.target(), "black", 2)).as("a black hole: the client's own timeout ends it")
                    .startsWith("124");
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));

            split.heal();
            assertThat(client(split, server.target(), "again", 5)).isEqualTo("0 ok");
            assertThat(server.accepted()).containsExactly("first", "again");
        }
    }

    @Test
    void aCutLinkLeavesTheNamespacesOtherLinkServing() throws Exception {
        assumeTrue(NetworkSplit.available(), "root, ip netns and tc");
        try (NetworkSplit split = NetworkSplit.create()) {
            NetworkSplit.Link services = split.link();
            NetworkSplit.Link callers = split.addLink();
            try (CountingServer lost = new CountingServer(services.hostAddress());
                    CountingServer kept = new CountingServer(callers.hostAddress())) {
                services.cut();
                assertThat(client(split, lost.target(), "lost.", 5)).as("the cut link fails").startsWith("1");
                assertThat(client(split, kept.target(), "kept.", 5)).as("the other link serves").isEqualTo("0 ok");
                assertThat(lost.accepted()).isEmpty();
                assertThat(kept.accepted()).containsExactly("kept.");
            }
        }
    }

    /** A server on the host's side of a link that reads five bytes of each connection, answers "ok" and keeps them. */
    static final class CountingServer implements AutoCloseable {
        private final ServerSocket server;
        private final List<String> accepted = new ArrayList<>();
        private final Thread acceptor;

        CountingServer(String address) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName(address));
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        synchronized (accepted) {
                            accepted.add(new String(in.readNBytes(5), StandardCharsets.US_ASCII));
                        }
                        out.write("ok".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "split-server");
            acceptor.start();
        }

        /** "address port", for {@link #client}. */
        String target() {
            return server.getInetAddress().getHostAddress() + " " + server.getLocalPort();
        }

        List<String> accepted() {
            synchronized (accepted) {
                return List.copyOf(accepted);
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(10_000);
        }
    }

    /** From inside: connect, send five bytes, print the answer; "exit-code answer" ({@code timeout} exits 124). */
    private static String client(NetworkSplit split, String target, String word, int seconds) throws Exception {
        String[] hostPort = target.split(" ");
        String script = "import socket,sys\n"
                + "s=socket.create_connection(('" + hostPort[0] + "'," + hostPort[1] + "))\n"
                + "s.sendall(b'" + word + "')\n"
                + "sys.stdout.write(s.recv(2).decode())\n";
        Process p = new ProcessBuilder(split.inNamespace(List.of("timeout", Integer.toString(seconds), "python3", "-c", script)))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(seconds + 10L, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() + (out.isEmpty() ? "" : " " + out);
    }
}
