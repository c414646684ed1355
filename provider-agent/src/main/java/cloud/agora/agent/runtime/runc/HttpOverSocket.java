package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.InvocationRequest;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HTTP/1.1 to an HTTP-mode function over a connection to its server, one exchange at a time on one kept connection,
 * opened by a {@link Connector} (a socket made in the container's network namespace: {@link NetworkNamespaces}). The
 * JDK's {@code HttpClient} and Vert.x's client cannot use a socket made elsewhere, so this is the small client the
 * agent needs: a request with a {@code Content-Length}, a response framed by {@code Content-Length}, chunked encoding
 * or the end of the connection; blocking, on the calling thread, so that a call costs no hand-over between threads.
 *
 * <p>What the function sends back is untrusted: the status line and headers are limited to 64 KiB, the body to the
 * runtime's output limit, and a response that breaks the framing ends the connection (the container is then not reused).
 */
final class HttpOverSocket implements AutoCloseable {

    /** The most bytes of status line and headers read from a function. */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /** Request headers the agent sets itself or that describe one hop only, never forwarded. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "proxy-authorization", "expect");

    /**
     * A function's answer.
     *
     * @param status    its HTTP status
     * @param headers   name (lower case) → values, hop-by-hop headers left out
     * @param body      the body, at most the limit
     * @param keepAlive whether the connection may serve the next call
     */
    record Response(int status, Map<String, List<String>> headers, byte[] body, boolean keepAlive) {
    }

    /** The function's answer broke HTTP or the limits: the connection is not reused. */
    static final class BadResponseException extends IOException {
        BadResponseException(String message) {
            super(message);
        }
    }

    /** Opens a connection to the function's server, connected and blocking. */
    interface Connector {
        SocketChannel connect() throws IOException;
    }

    private final Connector connector;
    private volatile SocketChannel channel;
    private volatile boolean aborted;
    private InputStream in;
    private OutputStream out;

    HttpOverSocket(Connector connector) {
        this.connector = connector;
    }

    /**
     * Sends one call and reads the whole answer.
     *
     * @param maxBody the most body bytes accepted; a longer body is a {@link BadResponseException}
     */
    Response exchange(InvocationRequest request, int maxBody) throws IOException {
        connectIfClosed();
        InvocationRequest.HttpCall call = request.http();
        StringBuilder head = new StringBuilder(256);
        head.append(token(call.method())).append(' ').append(target(call.path(), call.query())).append(" HTTP/1.1\r\n");
        head.append("Host: function\r\n");
        for (Map.Entry<String, String> h : call.headers().entrySet()) {
            String name = h.getKey();
            if (name == null || !isToken(name) || NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))
                    || name.toLowerCase(Locale.ROOT).startsWith("x-agora-")) {
                continue;
            }
            head.append(name).append(": ").append(fieldValue(h.getValue())).append("\r\n");
        }
        head.append("X-Agora-Invocation-Id: ").append(request.invocationId()).append("\r\n");
        head.append("Content-Length: ").append(request.body().length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(request.body());
        out.flush();
        try {
            return readResponse("HEAD".equals(call.method()), maxBody);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Ends the exchange under way from another thread (a call's deadline): its blocked read or write fails at once, and
     * so does every later exchange.
     */
    void abort() {
        aborted = true;
        close();
    }

    @Override
    public void close() {
        SocketChannel channel = this.channel;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
            this.channel = null;
        }
    }

    /**
     * Opens the connection when there is none, or when the kept one was closed by the server meanwhile (an idle
     * keep-alive timeout): a kept connection that shows end of stream, or bytes nobody asked for, is replaced before
     * the request is written, so a call is never sent to a connection already closing.
     */
    private void connectIfClosed() throws IOException {
        SocketChannel kept = channel;
        if (kept != null) {
            kept.configureBlocking(false);
            int n = kept.read(ByteBuffer.allocate(1));
            kept.configureBlocking(true);
            if (n != 0 || (in instanceof BufferedInputStream b && b.available() > 0)) {
                close();
            }
        }
        if (channel == null) {
            SocketChannel opened = connector.connect();
            opened.socket().setTcpNoDelay(true);
            in = new BufferedInputStream(Channels.newInputStream(opened), 16 * 1024);
            out = new java.io.BufferedOutputStream(Channels.newOutputStream(opened), 16 * 1024);
            channel = opened;
        }
        if (aborted) { // the deadline passed while connecting
            close();
            throw new java.nio.channels.AsynchronousCloseException();
        }
    }

    private Response readResponse(boolean head, int maxBody) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String statusLine;
        int status;
        Map<String, List<String>> headers;
        do { // 1xx answers (100 Continue, 103 Early Hints) come before the real one
            statusLine = line(budget);
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new BadResponseException("not an HTTP/1.x status line: " + printable(statusLine));
            }
            try {
                status = Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new BadResponseException("bad status in " + printable(statusLine));
            }
            if (status < 100 || status > 599) {
                throw new BadResponseException("bad status " + status);
            }
            headers = new LinkedHashMap<>();
            for (String line = line(budget); !line.isEmpty(); line = line(budget)) {
                int colon = line.indexOf(':');
                if (colon <= 0 || !isToken(line.substring(0, colon))) {
                    throw new BadResponseException("bad header line: " + printable(line));
                }
                headers.computeIfAbsent(line.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).strip());
            }
        } while (status < 200);
        boolean keepAlive = !statusLine.startsWith("HTTP/1.0") && !has(headers, "connection", "close");
        List<String> lengths = headers.getOrDefault("content-length", List.of());
        byte[] body;
        if (head || status == 204 || status == 304) {
            body = new byte[0];
        } else if (has(headers, "transfer-encoding", "chunked")) {
            body = chunked(maxBody, budget);
        } else if (!lengths.isEmpty()) {
            long length;
            try {
                length = Long.parseLong(lengths.get(0));
            } catch (NumberFormatException e) {
                throw new BadResponseException("bad Content-Length " + printable(lengths.get(0)));
            }
            if (lengths.stream().distinct().count() > 1 || length < 0) {
                throw new BadResponseException("conflicting Content-Length headers");
            }
            if (length > maxBody) {
                throw new BadResponseException("the response body (" + length + " bytes) is over " + maxBody + " bytes");
            }
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new BadResponseException("the connection ended inside the response body");
            }
        } else {
            body = upToEnd(maxBody);
            keepAlive = false;
        }
        for (String hop : List.of("connection", "keep-alive", "transfer-encoding", "content-length", "trailer", "upgrade",
                "proxy-connection")) {
            headers.remove(hop);
        }
        if (!keepAlive) {
            close();
        }
        return new Response(status, headers, body, keepAlive);
    }

    private byte[] chunked(int maxBody, int[] budget) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(budget);
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new BadResponseException("bad chunk size " + printable(sizeLine));
            }
            if (size < 0 || body.size() + size > maxBody) {
                throw new BadResponseException("the response body is over " + maxBody + " bytes");
            }
            if (size == 0) {
                while (!line(budget).isEmpty()) {
                    // trailers: read and dropped
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new BadResponseException("the connection ended inside a chunk");
            }
            body.write(chunk);
            if (!line(budget).isEmpty()) {
                throw new BadResponseException("a chunk is longer than its size");
            }
        }
    }

    private byte[] upToEnd(int maxBody) throws IOException {
        byte[] body = in.readNBytes(maxBody);
        if (body.length == maxBody && in.read() >= 0) {
            throw new BadResponseException("the response body is over " + maxBody + " bytes");
        }
        return body;
    }

    /** One line without its CRLF (or LF), counted against the head's budget. */
    private String line(int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new BadResponseException("the connection ended before the response did");
            }
            if (--budget[0] < 0) {
                throw new BadResponseException("the response's head is over " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                int n = line.size();
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    private static boolean has(Map<String, List<String>> headers, String name, String token) {
        for (String value : headers.getOrDefault(name, List.of())) {
            for (String part : value.split(",")) {
                if (part.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The request target: the path and query with anything outside their HTTP syntax percent-encoded. */
    static String target(String path, String query) {
        StringBuilder t = new StringBuilder();
        encode(path.startsWith("/") ? path : "/" + path, t, false);
        if (!query.isEmpty()) {
            t.append('?');
            encode(query, t, true);
        }
        return t.toString();
    }

    private static void encode(String s, StringBuilder to, boolean query) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            boolean ok = c > 0x20 && c < 0x7F && c != '#' && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^'
                    && c != '`' && c != '{' && c != '|' && c != '}' && (query || c != '?');
            if (ok) {
                to.append((char) c);
            } else {
                to.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
    }

    private static String token(String method) {
        return isToken(method) ? method : "POST";
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A header value as one line of visible ISO-8859-1 text (controls become spaces). */
    private static String fieldValue(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder v = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            v.append(c < 0x20 && c != '\t' || c == 0x7F || c > 0xFF ? ' ' : c);
        }
        return v.toString().strip();
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
