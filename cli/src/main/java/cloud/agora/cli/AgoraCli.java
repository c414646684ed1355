package cloud.agora.cli;

import cloud.agora.cli.fn.FunctionCommands;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Keys and signatures for people who talk to Agora with curl: the services sign you in with
 * Ethereum (EIP-4361), which needs a key to sign the challenge. Keys are files holding one hex
 * private key (the form Anvil prints); they never leave this machine.
 */
@Command(name = "agora-cli", mixinStandardHelpOptions = true, version = "agora-cli 0.1",
        description = "Keys, sign-in signatures and tokens for the Agora REST APIs; deposits, authorizations, redeems and "
                + "balances on the escrow; functions from a template to a deployment (fn init, build, deploy).",
        subcommands = {AgoraCli.Keygen.class, AgoraCli.AddressOf.class, AgoraCli.Sign.class, AgoraCli.Login.class,
                EscrowCommands.Deposit.class, EscrowCommands.Authorize.class, EscrowCommands.Redeem.class,
                EscrowCommands.Balance.class, VoteCommand.class, FunctionCommands.class, DisputeCommands.class})
public class AgoraCli {

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgoraCli()).execute(args));
    }

    @Command(name = "keygen", description = "Writes a new random key to a file (mode 600) and prints its address.")
    static class Keygen implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "the key file to create")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (Files.exists(out)) {
                System.err.println(out + " exists; not overwriting a key");
                return 1;
            }
            ECKeyPair key = Keys.createEcKeyPair();
            Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(out, KeyFiles.toHex(key) + "\n");
            System.out.println(PersonalSignature.addressOf(key).checksummed());
            return 0;
        }
    }

    @Command(name = "address", description = "Prints the address of a key file.")
    static class AddressOf implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the key file")
        Path key;

        @Override
        public Integer call() throws IOException {
            System.out.println(PersonalSignature.addressOf(KeyFiles.read(key)).checksummed());
            return 0;
        }
    }

    @Command(name = "sign", description = "Signs a message as personal_sign does (the sign-in challenge); reads it from stdin "
            + "when no message is given. Prints the 0x signature.")
    static class Sign implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the key file")
        Path key;

        @Parameters(arity = "0..1", description = "the message (default: stdin, exactly as received)")
        String message;

        @Override
        public Integer call() throws IOException {
            String text = message != null ? message : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            System.out.println(PersonalSignature.sign(text, KeyFiles.read(key)));
            return 0;
        }
    }

    @Command(name = "login", description = "Signs in to a service (challenge, signature, token) and prints the bearer token.")
    static class Login implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the key file")
        Path key;

        @Option(names = "--url", defaultValue = "http://localhost:8081", description = "the service's base URL (default ${DEFAULT-VALUE})")
        String url;

        @Override
        public Integer call() throws Exception {
            System.out.println(SignIn.token(url, KeyFiles.read(key)));
            return 0;
        }
    }
}
