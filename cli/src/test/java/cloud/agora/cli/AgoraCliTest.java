package cloud.agora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgoraCliTest {

    @TempDir
    Path dir;

    @Test
    void aGeneratedKeySignsWhatItsAddressRecovers() throws Exception {
        Path key = dir.resolve("dev.key");
        String address = run("keygen", "--out", key.toString());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(run("address", "--key", key.toString())).isEqualTo(address);
        String message = "localhost wants you to sign in with your Ethereum account:\n" + address + "\n\n\nURI: x";
        String signature = run("sign", "--key", key.toString(), message);
        assertThat(PersonalSignature.recover(message, signature)).isEqualTo(Address.parse(address));
        assertThat(KeyFiles.read(key)).isNotNull();
    }

    @Test
    void keygenNeverOverwritesAKey() throws Exception {
        Path key = dir.resolve("dev.key");
        run("keygen", "--out", key.toString());
        String before = Files.readString(key);
        assertThat(new CommandLine(new AgoraCli()).execute("keygen", "--out", key.toString())).isEqualTo(1);
        assertThat(Files.readString(key)).isEqualTo(before);
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new AgoraCli()).execute(args)).isZero();
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8).strip();
    }
}
