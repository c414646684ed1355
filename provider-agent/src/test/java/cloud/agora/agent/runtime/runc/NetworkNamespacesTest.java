package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's way into an HTTP-mode function's port: a socket made inside another network namespace reaches that
 * namespace's loopback (a server there, with a token only it knows, answers), and the thread that entered the namespace
 * is back in the agent's own afterwards. Uses {@code unshare --net} and python3 for the namespace's server (root).
 */
class NetworkNamespacesTest {

    @Test
    void aSocketMadeInAnotherNamespaceReachesItsLoopbackAndTheThreadReturnsToTheHosts() throws Exception {
        String token = UUID.randomUUID().toString();
        String server = "import socket\n"
                + "s = socket.socket(); s.bind(('127.0.0.1', " + HttpContainer.PORT + ")); s.listen()\n"
                + "print('listening', flush=True)\n"
                + "while True:\n"
                + "    c, _ = s.accept(); c.sendall(b'" + token + "\\n'); c.close()\n";
        Process inside = new ProcessBuilder("unshare", "--net", "sh", "-c", "ip link set lo up && exec python3 -c \"$0\"",
                server).redirectErrorStream(true).start();
        try (NetworkNamespaces namespaces = new NetworkNamespaces()) {
            // the server says so once it listens (or its output ends, with its error, if it could not)
            String said = new java.io.BufferedReader(new java.io.InputStreamReader(inside.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            assertThat(said).as("the namespace's server starts").isEqualTo("listening");
            assertThat(HttpContainer.listening(inside.pid())).as("the kernel lists its socket in that namespace")
                    .isEqualTo(StandardProtocolFamily.INET);
            try (SocketChannel channel = namespaces.connect(inside.pid(), StandardProtocolFamily.INET, HttpContainer.PORT)) {
                ByteBuffer answer = ByteBuffer.allocate(64);
                while (channel.read(answer) > 0 && answer.position() < token.length() + 1) {
                    // until the token's line is in
                }
                assertThat(new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII).strip()).isEqualTo(token);
            }
            String host = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            assertThat(namespaceOfThread("netns-connect")).as("the connecting thread is back in the agent's namespace")
                    .isEqualTo(host);
        } finally {
            inside.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatIsGoneIsAnIoErrorNotASocketInTheWrongNamespace() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        try (NetworkNamespaces namespaces = new NetworkNamespaces()) {
            assertThatThrownBy(() -> namespaces.connect(gone.pid(), StandardProtocolFamily.INET, HttpContainer.PORT))
                    .isInstanceOf(IOException.class).hasMessageContaining("gone");
        }
    }

    private static String namespaceOfThread(String name) throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                    return Files.readSymbolicLink(task.resolve("ns/net")).toString();
                }
            }
        }
        throw new AssertionError("no thread " + name);
    }
}
