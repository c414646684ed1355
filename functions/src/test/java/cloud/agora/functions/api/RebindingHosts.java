package cloud.agora.functions.api;

import cloud.agora.functions.domain.invocation.AgentHosts;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A name server that rebinds: asked by the gateway's endpoint check, it answers {@link DnsRebindingTest#PUBLIC} for
 * {@code localhost}; every other lookup (the system's) answers 127.0.0.1. Enabled by {@link DnsRebindingTest}'s
 * profile only.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class RebindingHosts extends AgentHosts {

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        if (host.equals("localhost")) {
            return new InetAddress[] {InetAddress.getByName(DnsRebindingTest.PUBLIC)};
        }
        return super.resolve(host);
    }
}
