package cloud.agora.storage.domain.ipld;

import cloud.agora.ipld.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The independent CID implementations the tests compare against, installed by
 * {@code scripts/setup.d/40-ipfs-tools.sh}: Debian's {@code ipfs_cid} (Rust; what {@code ipfs add}
 * gives by default) and npm's {@code ipfs-unixfs-importer} (JavaScript; {@code cid-reference/cid.mjs}).
 */
final class ReferenceTools {

    private static final Pattern CID_V0 = Pattern.compile("\"CIDv0\":\"(Qm[1-9A-HJ-NP-Za-km-z]{44})\"");

    private ReferenceTools() {
    }

    /** {@code ipfs_cid FILE}'s CIDv0 (256 KiB chunks, 174 links, dag-pb leaves). */
    static String ipfsCidV0(Path file) throws IOException, InterruptedException {
        String out = run(List.of("ipfs_cid", file.toString()), Map.of());
        Matcher m = CID_V0.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no CIDv0 in ipfs_cid's output: " + out);
        }
        return m.group(1);
    }

    /** The JavaScript importer's CIDs for several files at once (one Node.js start). */
    static Map<Path, String> unixfsImporter(List<Path> files, DagLayout layout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script().toString()));
        files.forEach(f -> command.add(f.toString()));
        String out = run(command, Map.of(
                "CID_VERSION", String.valueOf(layout.cidVersion()),
                "RAW_LEAVES", String.valueOf(layout.rawLeaves()),
                "CHUNK_SIZE", String.valueOf(layout.chunkSize()),
                "MAX_LINKS", String.valueOf(layout.maxLinks())));
        Map<Path, String> cids = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            int space = line.indexOf(' ');
            cids.put(Path.of(line.substring(space + 1)), line.substring(0, space));
        }
        return cids;
    }

    private static Path script() {
        Path script = Path.of("cid-reference", "cid.mjs").toAbsolutePath();
        if (!Files.isDirectory(script.resolveSibling("node_modules"))) {
            throw new IllegalStateException("cid-reference/node_modules is missing: run scripts/setup.d/40-ipfs-tools.sh");
        }
        return script;
    }

    private static String run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        builder.environment().putAll(env);
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command + " exited with " + process.exitValue());
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
