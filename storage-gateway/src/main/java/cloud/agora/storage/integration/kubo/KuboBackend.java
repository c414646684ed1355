package cloud.agora.storage.integration.kubo;

import cloud.agora.storage.domain.ContentBackend;
import cloud.agora.storage.domain.ContentNotFoundException;
import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagLayout;
import cloud.agora.ipld.FileImporter;
import cloud.agora.support.problem.ProblemException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.ws.rs.WebApplicationException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Blocks held by a Kubo node, through its RPC API. Files are added with the same layout the
 * embedded importer uses ({@code chunker=size-262144}, {@code raw-leaves} for CIDv1), so both
 * backends give the same CIDs; the DAG is not pinned by {@code add} (pins are explicit).
 * Blocks are read with {@code block/get} (offline), never {@code cat}, so that the gateway
 * can verify every block it serves.
 */
@ApplicationScoped
@Typed(KuboBackend.class)
public class KuboBackend implements ContentBackend {

    private final KuboRpc rpc;
    private final ObjectMapper json;

    public KuboBackend(@RestClient KuboRpc rpc, ObjectMapper json) {
        this.rpc = rpc;
        this.json = json;
    }

    @Override
    public String name() {
        return "kubo";
    }

    @Override
    public FileImporter.Imported add(InputStream content, DagLayout layout) throws IOException {
        String boundary = "agora-" + UUID.randomUUID();
        Counting counted = new Counting(content);
        InputStream body = new SequenceInputStream(Collections.enumeration(List.of(
                ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"object\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n"),
                counted,
                ascii("\r\n--" + boundary + "--\r\n"))));
        String answer;
        try {
            answer = rpc.add(layout.cidVersion(), layout.rawLeaves(), "size-" + layout.chunkSize(), false, false,
                    "multipart/form-data; boundary=" + boundary, body);
        } catch (RuntimeException e) {
            throw problemCause(e);
        }
        String[] lines = answer.strip().split("\n");
        KuboRpc.Added added = json.readValue(lines[lines.length - 1], KuboRpc.Added.class);
        return new FileImporter.Imported(Cid.parse(added.hash()), counted.count, Long.parseLong(added.size()));
    }

    @Override
    public Optional<byte[]> block(Cid cid) {
        try {
            return Optional.of(rpc.blockGet(cid.toString(), true));
        } catch (WebApplicationException e) {
            if (kuboMessage(e).contains("not found")) {
                return Optional.empty();
            }
            throw new KuboException("block/get " + cid, kuboMessage(e));
        }
    }

    @Override
    public void pin(Cid root) {
        KuboRpc.Pins pins;
        try {
            pins = rpc.pinAdd(root.toString(), true);
        } catch (WebApplicationException e) {
            if (kuboMessage(e).contains("not found")) {
                throw new ContentNotFoundException(root);
            }
            throw new KuboException("pin/add " + root, kuboMessage(e));
        }
        if (pins.pins() == null || pins.pins().stream().map(Cid::parse).noneMatch(root::equals)) {
            throw new KuboException("pin/add " + root, "the answer does not name the root: " + pins.pins());
        }
    }

    @Override
    public void unpin(Cid root) {
        try {
            rpc.pinRm(root.toString(), true);
        } catch (WebApplicationException e) {
            if (!kuboMessage(e).contains("not pinned")) {
                throw new KuboException("pin/rm " + root, kuboMessage(e));
            }
        }
    }

    private String kuboMessage(WebApplicationException e) {
        try {
            return json.readValue(e.getResponse().readEntity(String.class), KuboRpc.Error.class).message();
        } catch (RuntimeException | IOException unreadable) {
            return "HTTP " + e.getResponse().getStatus();
        }
    }

    /** A problem raised while Kubo read the body (size limit, truncation) is the real failure. */
    private static RuntimeException problemCause(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProblemException problem) {
                return problem;
            }
        }
        return e;
    }

    private static InputStream ascii(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
