package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.RuntimeFailureException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jnr.ffi.LibraryLoader;

/**
 * TCP connections from the agent to a port in a container's own network namespace, without a relay: one thread of the
 * agent enters the namespace ({@code setns(2)} with {@code CLONE_NEWNET}, which moves only the calling thread), creates
 * the socket there — a socket belongs to the namespace it was created in, whichever thread uses it later — and
 * returns to the host's namespace before doing anything else. The agent then talks to the function's server over a
 * plain loopback connection of the container's namespace; nothing runs in the container's namespace but the
 * container, and the container cannot reach the socket's host side.
 *
 * <p>Only the one thread of this class ever changes namespace, and only between those two calls. If it could not
 * return to the host's namespace (which needs only the descriptor it keeps open, as root), it refuses every later
 * connection rather than create a socket in the wrong place.
 */
final class NetworkNamespaces implements AutoCloseable {

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    /** The C library calls used: {@code open}, {@code setns} and {@code close} (glibc, bound by jnr-ffi). */
    public interface LibC {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private final LibC libc;
    private final int hostNamespace;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "netns-connect");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stranded;

    NetworkNamespaces() {
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.hostNamespace = libc.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (hostNamespace < 0) {
            throw new RuntimeFailureException("cannot open the agent's own network namespace (/proc/self/ns/net)");
        }
    }

    /**
     * A connection to {@code port} on the loopback address of {@code family} in the network namespace of process
     * {@code pid}, connected and blocking.
     *
     * @throws IOException when the namespace is gone or the connection is refused
     */
    SocketChannel connect(long pid, ProtocolFamily family, int port) throws IOException {
        if (stranded) {
            throw new RuntimeFailureException("the agent's namespace thread could not return to the host's network namespace");
        }
        Future<SocketChannel> created = thread.submit(() -> createIn(pid, family));
        SocketChannel channel;
        try {
            channel = created.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new RuntimeFailureException("cannot create a socket in the network namespace of " + pid, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        try {
            String loopback = family == java.net.StandardProtocolFamily.INET6 ? "::1" : "127.0.0.1";
            channel.connect(new InetSocketAddress(java.net.InetAddress.getByName(loopback), port));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** On the namespace thread: enter, create the socket, return. */
    private SocketChannel createIn(long pid, ProtocolFamily family) throws IOException {
        int target = libc.open("/proc/" + pid + "/ns/net", O_RDONLY | O_CLOEXEC);
        if (target < 0) {
            throw new IOException("the process " + pid + " is gone (its network namespace cannot be opened)");
        }
        try {
            if (libc.setns(target, CLONE_NEWNET) != 0) {
                throw new IOException("cannot enter the network namespace of " + pid);
            }
            try {
                return SocketChannel.open(family);
            } finally {
                if (libc.setns(hostNamespace, CLONE_NEWNET) != 0) {
                    stranded = true;
                    thread.shutdownNow();
                }
            }
        } finally {
            libc.close(target);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        libc.close(hostNamespace);
    }
}
