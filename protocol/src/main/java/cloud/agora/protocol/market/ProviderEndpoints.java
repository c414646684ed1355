package cloud.agora.protocol.market;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Provider endpoints that cannot be turned against the platform. A registered endpoint is a plain origin
 * ({@code http(s)://host[:port]}: no user info, path, query or fragment), so nothing a provider registers can change
 * which path the platform calls. Before sending a call, its environment or a grant to an endpoint, the gateways
 * check that every address its host resolves to is a public unicast address — no loopback, link-local (cloud
 * metadata at 169.254.169.254), private (RFC 1918, RFC 4193), shared (RFC 6598), unspecified, multicast or
 * documentation ranges — unless the deployment declares itself a local network (the one-machine launcher does).
 */
public final class ProviderEndpoints {

    private ProviderEndpoints() {
    }

    /** An endpoint that is not a plain origin, or a target the platform refuses to call. */
    public static final class InvalidEndpointException extends IllegalArgumentException {
        public InvalidEndpointException(String message) {
            super(message);
        }
    }

    /**
     * The endpoint as a plain origin, normalised: lower-case scheme and host, no trailing slash
     * ({@code https://agent.example:8443}).
     *
     * @throws InvalidEndpointException when it is not an http(s) origin
     */
    public static String origin(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new InvalidEndpointException("an endpoint is an http(s) origin, e.g. https://agent.example:8443");
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new InvalidEndpointException("the endpoint is not a URI: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidEndpointException("the endpoint's scheme must be http or https: " + endpoint);
        }
        if (uri.getRawAuthority() == null || uri.getHost() == null) {
            throw new InvalidEndpointException("the endpoint names no host: " + endpoint);
        }
        if (uri.getRawUserInfo() != null || endpoint.indexOf('@') >= 0) {
            throw new InvalidEndpointException("the endpoint may not carry credentials: " + endpoint);
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new InvalidEndpointException("the endpoint is an origin, without a path: " + endpoint);
        }
        if (uri.getRawQuery() != null || endpoint.indexOf('?') >= 0) {
            throw new InvalidEndpointException("the endpoint is an origin, without a query: " + endpoint);
        }
        if (uri.getRawFragment() != null || endpoint.indexOf('#') >= 0) {
            throw new InvalidEndpointException("the endpoint is an origin, without a fragment: " + endpoint);
        }
        int port = uri.getPort();
        if (port == 0 || port > 65535) {
            throw new InvalidEndpointException("the endpoint's port is out of range: " + endpoint);
        }
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (port > 0 ? ":" + port : "");
    }

    /** How a host name becomes addresses: the system's resolver, or a test's. */
    @FunctionalInterface
    public interface HostResolver {
        /** The JDK's resolver ({@link InetAddress#getAllByName}). */
        HostResolver SYSTEM = InetAddress::getAllByName;

        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /**
     * An endpoint that may be called, and the addresses its host resolved to when it was checked: the gateway connects
     * to one of those, never resolving the host again, so a host that answers a public address to the check and a
     * private one afterwards (DNS rebinding) still reaches only what was checked.
     *
     * @param origin    the normalised origin (its host stays the {@code Host} header and the TLS name)
     * @param addresses the checked addresses; empty on a local network, where the client resolves the host itself
     */
    public record Callable(String origin, List<InetAddress> addresses) {

        public Callable {
            addresses = List.copyOf(addresses);
        }

        /** The address to connect to, if the check pinned one. */
        public Optional<InetAddress> address() {
            return addresses.isEmpty() ? Optional.empty() : Optional.of(addresses.get(0));
        }
    }

    /**
     * Checks that {@code endpoint} is a plain origin whose host resolves only to public unicast addresses
     * ({@code localNetwork} true: any address is allowed, the deployment being a local network).
     *
     * @return the normalised origin
     * @throws InvalidEndpointException when it is not an origin, does not resolve, or reaches a non-public address
     */
    public static String requireCallable(String endpoint, boolean localNetwork) {
        return callable(endpoint, localNetwork, HostResolver.SYSTEM).origin();
    }

    /**
     * {@link #requireCallable}, keeping the addresses checked (none on a local network: nothing is checked there).
     *
     * @throws InvalidEndpointException when it is not an origin, does not resolve, or reaches a non-public address
     */
    public static Callable callable(String endpoint, boolean localNetwork, HostResolver resolver) {
        String origin = origin(endpoint);
        if (localNetwork) {
            return new Callable(origin, List.of());
        }
        String host = URI.create(origin).getHost();
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw new InvalidEndpointException("the endpoint's host does not resolve: " + host);
        }
        if (addresses == null || addresses.length == 0) {
            throw new InvalidEndpointException("the endpoint's host does not resolve: " + host);
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw new InvalidEndpointException("the endpoint " + origin + " reaches " + address.getHostAddress()
                        + ", which is not a public address (loopback, link-local, private or reserved)");
            }
        }
        return new Callable(origin, List.of(addresses));
    }

    /** Whether {@code address} is a public unicast address. */
    public static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicV4(b);
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            boolean mapped = true; // ::ffff:a.b.c.d and ::a.b.c.d carry an IPv4 address
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0))) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
            }
            if (first == 0x00) {
                return false; // ::/8 reserved (loopback, unspecified, compatible)
            }
            if (first == 0x64 && (b[1] & 0xff) == 0xff && (b[2] & 0xff) == 0x9b) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // 64:ff9b::/96 NAT64
            }
            return true;
        }
        return false;
    }

    private static boolean isPublicV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        return !(a0 == 0 // this network
                || a0 == 10 // RFC 1918
                || a0 == 127 // loopback
                || (a0 == 100 && (a1 & 0xc0) == 64) // 100.64.0.0/10 shared address space
                || (a0 == 169 && a1 == 254) // link-local, cloud metadata
                || (a0 == 172 && (a1 & 0xf0) == 16) // RFC 1918
                || (a0 == 192 && a1 == 0 && a2 == 0) // IETF protocol assignments
                || (a0 == 192 && a1 == 0 && a2 == 2) // documentation
                || (a0 == 192 && a1 == 168) // RFC 1918
                || (a0 == 198 && (a1 & 0xfe) == 18) // benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100) // documentation
                || (a0 == 203 && a1 == 0 && a2 == 113) // documentation
                || a0 >= 224); // multicast, reserved, broadcast
    }
}
