package cloud.agora.functions.domain.invocation;

import cloud.agora.protocol.market.ProviderEndpoints;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** How the {@link EndpointGuard} resolves an agent's host name: the system's resolver. */
@ApplicationScoped
public class AgentHosts implements ProviderEndpoints.HostResolver {

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        return InetAddress.getAllByName(host);
    }
}
