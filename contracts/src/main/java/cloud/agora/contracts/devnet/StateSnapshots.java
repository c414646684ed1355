package cloud.agora.contracts.devnet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Copies a node's state to its state file every interval, atomically ({@link Anvil}): {@code anvil_dumpState} answers
 * the state gzipped and hex-encoded; the JSON inside is what {@code --state} loads. A copy that fails (the node is down
 * or restarting) is skipped; an unchanged state is not written again.
 */
final class StateSnapshots implements Runnable {

    private static final Pattern RESULT = Pattern.compile("\"result\"\\s*:\\s*\"0x([0-9a-fA-F]*)\"");

    private final URI rpc;
    private final Path stateFile;
    private final Duration interval;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private byte[] last;

    StateSnapshots(String rpcUrl, Path stateFile, Duration interval) {
        this.rpc = URI.create(rpcUrl);
        this.stateFile = stateFile;
        this.interval = interval;
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval.toMillis());
                snapshot();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // the node is down or starting again: the next interval tries again
            }
        }
    }

    /** Takes one copy now; whether the file was written. */
    boolean snapshot() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(rpc).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"anvil_dumpState\",\"params\":[]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        Matcher result = RESULT.matcher(response.body());
        if (response.statusCode() != 200 || !result.find()) {
            throw new IOException("anvil_dumpState answered " + response.statusCode());
        }
        byte[] state;
        try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(HexFormat.of().parseHex(result.group(1))))) {
            state = gzip.readAllBytes();
        }
        if (Arrays.equals(state, last)) {
            return false;
        }
        Path temporary = stateFile.resolveSibling(stateFile.getFileName() + ".copy");
        try (FileChannel file = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            file.write(java.nio.ByteBuffer.wrap(state));
            file.force(true);
        }
        Files.move(temporary, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        last = state;
        return true;
    }
}
