package cloud.agora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * deposit, authorize, balance and redeem against a real Anvil with the contracts deployed. Billing is another
 * process: for {@code redeem} a stand-in on a JDK HTTP server answers sign-in and {@code GET /api/v1/vouchers}
 * with a voucher signed here by the authorized delegate key (the wire types are protocol's).
 */
class EscrowCommandsTest {

    static Devnet devnet;
    static HttpServer billing;
    static final AtomicReference<List<VoucherView>> VOUCHERS = new AtomicReference<>(List.of());
    static final AtomicReference<String> ASKED = new AtomicReference<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void chainAndBilling() throws Exception {
        devnet = Devnet.start();
        billing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        billing.createContext("/api/v1/auth/challenge", exchange -> reply(exchange, Map.of("message", "sign me")));
        billing.createContext("/api/v1/auth/token", exchange -> reply(exchange, Map.of("token", "t")));
        billing.createContext("/api/v1/vouchers", exchange -> {
            ASKED.set(exchange.getRequestURI().getQuery() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            reply(exchange, VOUCHERS.get());
        });
        billing.start();
    }

    @AfterAll
    static void stop() {
        billing.stop(0);
        devnet.close();
    }

    @Test
    void aDeveloperDepositsAndAuthorizesAndAProviderRedeemsTheVoucherOnce() throws Exception {
        Signer developer = devnet.newAccount();
        Signer provider = devnet.newAccount();
        Signer delegate = devnet.newAccount();
        Path developerKey = key("developer", developer);
        Path providerKey = key("provider", provider);

        JsonNode deposit = run("deposit", "--key", developerKey.toString(), "--amount-wei", "5000000000000000000");
        assertThat(deposit.get("balance").asText()).isEqualTo("5000000000000000000");
        assertThat(devnet.escrow().balanceOf(developer.address())).isEqualTo(Wei.parse("5000000000000000000"));

        run("authorize", "--key", developerKey.toString(), "--delegate", delegate.address().checksummed(),
                "--cap-wei", "1000000000000000000");
        assertThat(devnet.escrow().delegation(developer.address()).delegate()).contains(delegate.address());
        assertThat(devnet.escrow().delegation(developer.address()).cap()).isEqualTo(Wei.parse("1000000000000000000"));

        Wei amount = Wei.parse("300000000000000000");
        Voucher voucher = new Voucher(developer.address(), provider.address(), amount, Bytes32.ZERO);
        VOUCHERS.set(List.of(new VoucherView(1, SignedVoucher.sign(devnet.escrow().domain(), voucher, delegate.key()), 3,
                Instant.now(), false)));
        Wei before = devnet.chain().etherBalance(provider.address());

        JsonNode redeem = run("redeem", "--key", providerKey.toString(), "--billing", "http://127.0.0.1:" + billing.getAddress().getPort());
        assertThat(ASKED.get()).isEqualTo("provider=" + provider.address().checksummed() + " Bearer t");
        JsonNode line = redeem.get("vouchers").get(0);
        assertThat(line.get("status").asText()).isEqualTo("redeemed");
        BigInteger fee = amount.value().multiply(BigInteger.valueOf(Devnet.FEE_BPS)).divide(BigInteger.valueOf(10_000));
        assertThat(line.get("fee").asText()).isEqualTo(fee.toString());
        assertThat(line.get("payment").asText()).isEqualTo(amount.value().subtract(fee).toString());
        Wei after = devnet.chain().etherBalance(provider.address());
        assertThat(after.value()).isEqualTo(before.value().add(amount.value()).subtract(fee)
                .subtract(new BigInteger(line.get("gasCost").asText())));

        // the same voucher again is recognised on chain and not sent (no revert, no gas)
        JsonNode again = run("redeem", "--key", providerKey.toString(), "--billing", "http://127.0.0.1:" + billing.getAddress().getPort());
        assertThat(again.get("vouchers").get(0).get("status").asText()).isEqualTo("already-redeemed");
        assertThat(devnet.chain().etherBalance(provider.address())).isEqualTo(after);

        JsonNode balance = run("balance", "--address", developer.address().checksummed(), "--consumer", developer.address().checksummed());
        assertThat(balance.get("escrow").asText()).isEqualTo("4700000000000000000");
        assertThat(balance.get("feeBps").asInt()).isEqualTo(Devnet.FEE_BPS);
    }

    @Test
    void theEscrowAddressComesFromThePlatformsStateFolder() throws Exception {
        Files.createDirectories(dir.resolve("anvil"));
        Files.writeString(dir.resolve("anvil/escrow-address"), devnet.escrow().address().checksummed() + "\n");
        Signer developer = devnet.newAccount();
        JsonNode deposit = runWithoutEscrow("deposit", "--key", key("d", developer).toString(), "--amount-wei", "7",
                "--state", dir.toString());
        assertThat(deposit.get("balance").asText()).isEqualTo("7");
    }

    @Test
    void aMissingEscrowAddressIsAnErrorAndSendsNothing() throws Exception {
        Signer developer = devnet.newAccount();
        Wei before = devnet.chain().etherBalance(developer.address());
        int status = new CommandLine(new AgoraCli()).execute("deposit", "--key", key("d", developer).toString(),
                "--amount-wei", "7", "--state", dir.resolve("nothing").toString(), "--rpc-url", devnet.rpcUrl());
        assertThat(status).isNotZero();
        assertThat(devnet.chain().etherBalance(developer.address())).isEqualTo(before);
    }

    private Path key(String name, Signer signer) throws Exception {
        Path file = dir.resolve(name + ".key");
        Files.writeString(file, KeyFiles.toHex(signer.key()) + "\n");
        return file;
    }

    private static JsonNode run(String... args) throws Exception {
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
                "--rpc-url", devnet.rpcUrl(), "--escrow", devnet.escrow().address().checksummed())).toArray(String[]::new);
        return runWithoutEscrow(all);
    }

    private static JsonNode runWithoutEscrow(String... args) throws Exception {
        String[] all = java.util.Arrays.asList(args).contains("--rpc-url") ? args
                : java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--rpc-url", devnet.rpcUrl()))
                        .toArray(String[]::new);
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new AgoraCli()).execute(all)).as("exit status of %s", String.join(" ", args)).isZero();
        } finally {
            System.setOut(original);
        }
        return JsonCodec.mapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, Object body) throws java.io.IOException {
        byte[] bytes = JsonCodec.write(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
