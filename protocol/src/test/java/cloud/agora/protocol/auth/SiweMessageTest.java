package cloud.agora.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SiweMessageTest {

    /** The example of EIP-4361 itself. */
    private static final String EIP_EXAMPLE = """
            service.org wants you to sign in with your Ethereum account:
            0xe5A12547fe4E872D192E3eCecb76F2Ce1aeA4946

            I accept the ServiceOrg Terms of Service: https://service.org/tos

            URI: https://service.org/login
            Version: 1
            Chain ID: 1
            Nonce: 32891756
            Issued At: 2021-09-30T16:25:24Z
            Resources:
            - ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
            - https://example.com/my-web2-claim.json""";

    @Test
    void parsesTheEipExampleAndWritesItBackByteForByte() {
        SiweMessage message = SiweMessage.parse(EIP_EXAMPLE);
        assertThat(message.domain()).isEqualTo("service.org");
        assertThat(message.address()).isEqualTo(Address.parse("0xe5A12547fe4E872D192E3eCecb76F2Ce1aeA4946"));
        assertThat(message.statement()).isEqualTo("I accept the ServiceOrg Terms of Service: https://service.org/tos");
        assertThat(message.chainId()).isEqualTo(1);
        assertThat(message.nonce()).isEqualTo("32891756");
        assertThat(message.issuedAt()).isEqualTo(Instant.parse("2021-09-30T16:25:24Z"));
        assertThat(message.resources()).hasSize(2);
        assertThat(message.toText()).isEqualTo(EIP_EXAMPLE);
    }

    @Test
    void writesAMessageWithoutStatementWithTheTwoBlankLinesTheAbnfRequires() {
        SiweMessage message = new SiweMessage("localhost:8081", Address.parse("0xe5A12547fe4E872D192E3eCecb76F2Ce1aeA4946"),
                null, "http://localhost:8081", "1", 31337, "abcdef123456", Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:05:00Z"), null, null, List.of());
        assertThat(message.toText()).contains("4946\n\n\nURI: ").endsWith("Expiration Time: 2026-01-01T00:05:00Z");
        assertThat(SiweMessage.parse(message.toText())).isEqualTo(message);
    }

    @Test
    void rejectsTextsThatAreNotSiweMessages() {
        assertThatThrownBy(() -> SiweMessage.parse("hello")).isInstanceOf(InvalidSiweMessageException.class);
        assertThatThrownBy(() -> SiweMessage.parse(EIP_EXAMPLE.replace("Nonce: 32891756", "Nonce: 12")))
                .isInstanceOf(InvalidSiweMessageException.class).hasMessageContaining("nonce");
        assertThatThrownBy(() -> SiweMessage.parse(EIP_EXAMPLE.replace("Version: 1", "Version: 2")))
                .isInstanceOf(InvalidSiweMessageException.class);
        assertThatThrownBy(() -> SiweMessage.parse(EIP_EXAMPLE.replace("0xe5A12547fe4E872D192E3eCecb76F2Ce1aeA4946", "0xE5A12547fe4E872D192E3eCecb76F2Ce1aeA4946")))
                .isInstanceOf(InvalidSiweMessageException.class).hasMessageContaining("address");
        assertThatThrownBy(() -> SiweMessage.parse(EIP_EXAMPLE + "\nextra")).isInstanceOf(InvalidSiweMessageException.class);
    }
}
