package cloud.agora.protocol.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.market.ProviderEndpoints.InvalidEndpointException;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ProviderEndpointsTest {

    @Test
    void aPlainOriginIsNormalised() {
        assertThat(ProviderEndpoints.origin("https://Agent.Example:8443/")).isEqualTo("https://agent.example:8443");
        assertThat(ProviderEndpoints.origin("http://localhost:8090")).isEqualTo("http://localhost:8090");
        assertThat(ProviderEndpoints.origin("HTTPS://agent.example")).isEqualTo("https://agent.example");
        assertThat(ProviderEndpoints.origin("http://[2001:4860::1]:80")).isEqualTo("http://[2001:4860::1]:80");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://agent.example/api", "https://agent.example:8443/x/", "https://agent.example?",
            "https://agent.example/?a=1", "https://agent.example#", "https://agent.example/#frag",
            "https://user:pw@agent.example", "https://evil@agent.example", "ftp://agent.example", "file:///etc/passwd",
            "agent.example:8090", "https://", "", " ", "https://agent.example:0", "https://agent.example:99999"})
    void refusesAnythingButAPlainOrigin(String endpoint) {
        assertThatThrownBy(() -> ProviderEndpoints.origin(endpoint)).isInstanceOf(InvalidEndpointException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.5.5.5", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1",
            "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1",
            "2001:db8::1", "64:ff9b::a9fe:a9fe"})
    void nonPublicAddressesAreNotCallable(String address) throws Exception {
        assertThat(ProviderEndpoints.isPublic(InetAddress.getByName(address))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    void publicAddressesAreCallable(String address) throws Exception {
        assertThat(ProviderEndpoints.isPublic(InetAddress.getByName(address))).isTrue();
    }

    @Test
    void aLocalNetworkDeploymentMayCallLoopbackOthersMayNot() {
        assertThat(ProviderEndpoints.requireCallable("http://127.0.0.1:8090", true)).isEqualTo("http://127.0.0.1:8090");
        assertThatThrownBy(() -> ProviderEndpoints.requireCallable("http://127.0.0.1:8090", false))
                .isInstanceOf(InvalidEndpointException.class).hasMessageContaining("not a public address");
        assertThatThrownBy(() -> ProviderEndpoints.requireCallable("http://localhost:8090", false))
                .isInstanceOf(InvalidEndpointException.class);
        assertThatThrownBy(() -> ProviderEndpoints.requireCallable("http://169.254.169.254", false))
                .isInstanceOf(InvalidEndpointException.class);
        assertThatThrownBy(() -> ProviderEndpoints.requireCallable("http://[::1]:8090", false))
                .isInstanceOf(InvalidEndpointException.class);
        assertThat(ProviderEndpoints.requireCallable("http://8.8.8.8:8090", false)).isEqualTo("http://8.8.8.8:8090");
    }

    @Test
    void aCheckedEndpointKeepsTheAddressesItWasCheckedWithAndAnyNonPublicOneRefusesIt() throws Exception {
        InetAddress publicOne = InetAddress.getByName("192.88.99.7");
        InetAddress privateOne = InetAddress.getByName("10.0.0.7");
        ProviderEndpoints.Callable checked = ProviderEndpoints.callable("http://agent.example:8090", false,
                host -> new InetAddress[] {publicOne});
        assertThat(checked.origin()).isEqualTo("http://agent.example:8090");
        assertThat(checked.address()).contains(publicOne);
        assertThatThrownBy(() -> ProviderEndpoints.callable("http://agent.example:8090", false,
                host -> new InetAddress[] {publicOne, privateOne})).isInstanceOf(InvalidEndpointException.class)
                .hasMessageContaining("10.0.0.7");
        assertThatThrownBy(() -> ProviderEndpoints.callable("http://agent.example:8090", false,
                host -> new InetAddress[0])).isInstanceOf(InvalidEndpointException.class)
                .hasMessageContaining("does not resolve");
        // a local network checks nothing and pins nothing: the client resolves the host itself
        assertThat(ProviderEndpoints.callable("http://localhost:8090", true, host -> {
            throw new AssertionError("not resolved on a local network");
        }).address()).isEmpty();
    }
}
