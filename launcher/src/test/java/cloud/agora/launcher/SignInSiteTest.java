package cloud.agora.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class SignInSiteTest {

    @Test
    void theDefaultIsThisMachine() {
        assertThat(SignInSite.of(URI.create("http://localhost")).env())
                .containsEntry("AGORA_AUTH_DOMAIN", "localhost").containsEntry("AGORA_AUTH_URI", "http://localhost");
    }

    @Test
    void aPublicUrlNamesItsAuthorityWithItsPort() {
        SignInSite site = SignInSite.of(URI.create("https://Agora.Example.org:8443/"));
        assertThat(site.domain()).isEqualTo("agora.example.org:8443");
        assertThat(site.uri()).isEqualTo("https://agora.example.org:8443");
        assertThat(SignInSite.of(URI.create("https://agora.example.org/app")).uri()).isEqualTo("https://agora.example.org/app");
    }

    @Test
    void aUrlWithoutASchemeOrHostIsRefused() {
        for (String url : new String[] {"agora.example.org", "ftp://agora.example.org", "https:///path", "/relative"}) {
            assertThatThrownBy(() -> SignInSite.of(URI.create(url))).as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--public-url");
        }
    }
}
