import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;

/** The benchmark's trivial handler as a long-lived HTTP server (HTTP mode): "hello " + body, on $PORT. */
public class Server {
    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 64);
        server.createContext("/", exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            byte[] out = new byte[6 + in.length];
            System.arraycopy("hello ".getBytes(), 0, out, 0, 6);
            System.arraycopy(in, 0, out, 6, in.length);
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
    }
}
