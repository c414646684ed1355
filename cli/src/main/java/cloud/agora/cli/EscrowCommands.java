package cloud.agora.cli;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.ContractRevertedException;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.chain.TxReceipt;
import cloud.agora.protocol.billing.VoucherView;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.JsonCodec;
import cloud.agora.protocol.money.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The escrow from the command line: a developer deposits ETH and authorizes billing's delegate key,
 * a provider redeems the vouchers billing signed for it, anyone reads balances. Every command prints
 * one JSON object (amounts as decimal wei strings) so scripts can read it with {@code jq}.
 */
final class EscrowCommands {

    private EscrowCommands() {
    }

    /** Where the chain and the escrow are: options, else the local platform's state folder. */
    static class ChainOptions {
        @Option(names = "--rpc-url", defaultValue = "${env:AGORA_CHAIN_RPC_URL:-http://127.0.0.1:8545}",
                description = "the chain's JSON-RPC URL (default ${DEFAULT-VALUE})")
        String rpcUrl;

        @Option(names = "--chain-id", defaultValue = "${env:AGORA_CHAIN_CHAIN_ID:-31337}", description = "default ${DEFAULT-VALUE}")
        long chainId;

        @Option(names = "--escrow", description = "the escrow's address (default: read from <state>/anvil/escrow-address, "
                + "which ./agora run writes)")
        String escrow;

        @Option(names = "--state", defaultValue = "${env:AGORA_STATE:-state}", description = "the platform's state folder "
                + "(default ${DEFAULT-VALUE})")
        Path state;

        @Option(names = "--poll-interval", defaultValue = "${env:AGORA_CHAIN_POLL_INTERVAL:-PT0.005S}",
                converter = DurationConverter.class, description = "how often to ask for the receipt (default "
                + "${DEFAULT-VALUE}, for a local node; a public network: PT1S)")
        Duration pollInterval;

        @Option(names = "--receipt-timeout", defaultValue = "${env:AGORA_CHAIN_RECEIPT_TIMEOUT:-PT10S}",
                converter = DurationConverter.class, description = "how long a transaction may take to be mined "
                + "(default ${DEFAULT-VALUE}; a public network: PT5M)")
        Duration receiptTimeout;

        @Option(names = "--confirmations", defaultValue = "${env:AGORA_CHAIN_CONFIRMATIONS:-1}",
                description = "blocks that must contain or follow the transaction (default ${DEFAULT-VALUE}; a public "
                + "network: 2 or more)")
        int confirmations;

        Chain connect() {
            return Chain.connect(ChainSettings.of(rpcUrl, chainId, pollInterval, receiptTimeout, confirmations));
        }

        Address escrowAddress() throws IOException {
            if (escrow != null) {
                return Address.parse(escrow);
            }
            Path file = state.resolve("anvil/escrow-address");
            if (!Files.exists(file)) {
                throw new IOException("no --escrow and no " + file + " (is ./agora run up, or is --state right?)");
            }
            return Address.parse(Files.readString(file).strip());
        }
    }

    @Command(name = "deposit", description = "Deposits ETH into the escrow as the key's account (what billing charges from).")
    static class Deposit implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the depositor's key file")
        Path key;

        @Option(names = "--amount-wei", required = true, description = "how much, in wei")
        String amount;

        @Mixin
        ChainOptions chain = new ChainOptions();

        @Override
        public Integer call() throws Exception {
            Signer signer = Signer.of(KeyFiles.read(key));
            try (Chain connected = chain.connect()) {
                Escrow escrow = connected.escrow(chain.escrowAddress());
                TxReceipt receipt = escrow.deposit(signer, Wei.parse(amount));
                Map<String, Object> out = transaction(receipt);
                out.put("account", signer.address().checksummed());
                out.put("deposited", amount);
                out.put("balance", escrow.balanceOf(signer.address()).value().toString());
                return print(out);
            }
        }
    }

    @Command(name = "authorize", description = "Lets a delegate (billing's key) sign vouchers for the key's account, up to a cap.")
    static class Authorize implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the consumer's key file")
        Path key;

        @Option(names = "--delegate", required = true, description = "the delegate's address")
        String delegate;

        @Option(names = "--cap-wei", required = true, description = "the most the delegate may sign for in total, in wei")
        String cap;

        @Mixin
        ChainOptions chain = new ChainOptions();

        @Override
        public Integer call() throws Exception {
            Signer signer = Signer.of(KeyFiles.read(key));
            try (Chain connected = chain.connect()) {
                Escrow escrow = connected.escrow(chain.escrowAddress());
                Map<String, Object> out = transaction(escrow.authorize(signer, Address.parse(delegate), Wei.parse(cap)));
                out.put("account", signer.address().checksummed());
                out.put("delegate", Address.parse(delegate).checksummed());
                out.put("cap", Wei.parse(cap).value().toString());
                return print(out);
            }
        }
    }

    @Command(name = "redeem", description = "Fetches the latest vouchers billing signed for the key's provider account and redeems "
            + "each one not yet redeemed on chain; prints what each paid.")
    static class Redeem implements Callable<Integer> {
        @Option(names = "--key", required = true, description = "the provider's key file (it also pays the gas)")
        Path key;

        @Option(names = "--billing", defaultValue = "http://localhost:8082", description = "billing's URL (default ${DEFAULT-VALUE})")
        String billing;

        @Option(names = "--consumer", description = "only this developer's voucher")
        String consumer;

        @Mixin
        ChainOptions chain = new ChainOptions();

        @Override
        public Integer call() throws Exception {
            Signer signer = Signer.of(KeyFiles.read(key));
            String token = SignIn.token(billing, KeyFiles.read(key));
            String query = "/api/v1/vouchers?provider=" + signer.address().checksummed()
                    + (consumer == null ? "" : "&consumer=" + Address.parse(consumer).checksummed());
            JsonNode vouchers = Api.json("GET", Api.base(billing) + query, token, null);
            List<Map<String, Object>> redeemed = new ArrayList<>();
            try (Chain connected = chain.connect()) {
                Escrow escrow = connected.escrow(chain.escrowAddress());
                for (JsonNode node : vouchers) {
                    VoucherView view = JsonCodec.mapper().treeToValue(node, VoucherView.class);
                    Address payer = view.voucher().voucher().consumer();
                    Wei already = escrow.redeemed(payer, signer.address());
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("consumer", payer.checksummed());
                    line.put("sequence", view.sequence());
                    line.put("receipts", view.receipts());
                    line.put("cumulativeAmount", view.voucher().voucher().cumulativeAmount().value().toString());
                    line.put("receiptsRoot", view.voucher().voucher().receiptsRoot().toString());
                    if (already.compareTo(view.voucher().voucher().cumulativeAmount()) >= 0) {
                        line.put("status", "already-redeemed");
                    } else {
                        try {
                            Redemption paid = escrow.redeem(signer, view.voucher());
                            line.putAll(transaction(paid.receipt()));
                            line.put("status", "redeemed");
                            line.put("payment", paid.payment().value().toString());
                            line.put("fee", paid.fee().value().toString());
                            line.put("redeemed", paid.redeemed().value().toString());
                        } catch (ContractRevertedException e) {
                            line.put("status", "reverted");
                            line.put("error", e.error());
                        }
                    }
                    redeemed.add(line);
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("provider", signer.address().checksummed());
            out.put("vouchers", redeemed);
            return print(out);
        }
    }

    @Command(name = "balance", description = "Prints an account's ETH and its escrow balance (and what it redeemed from a consumer).")
    static class Balance implements Callable<Integer> {
        @Option(names = "--address", required = true, description = "the account")
        String address;

        @Option(names = "--consumer", description = "also print what this account (as a provider) redeemed from this consumer")
        String consumer;

        @Mixin
        ChainOptions chain = new ChainOptions();

        @Override
        public Integer call() throws Exception {
            Address account = Address.parse(address);
            try (Chain connected = chain.connect()) {
                Escrow escrow = connected.escrow(chain.escrowAddress());
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("address", account.checksummed());
                out.put("ether", connected.etherBalance(account).value().toString());
                out.put("escrow", escrow.balanceOf(account).value().toString());
                out.put("feeBps", escrow.feeBps());
                Optional.ofNullable(consumer).map(Address::parse).ifPresent(c ->
                        out.put("redeemedFrom", Map.of(c.checksummed(), escrow.redeemed(c, account).value().toString())));
                return print(out);
            }
        }
    }

    static Map<String, Object> transaction(TxReceipt receipt) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("transaction", receipt.transactionHash());
        out.put("block", receipt.blockNumber());
        out.put("gasCost", receipt.cost().value().toString());
        return out;
    }

    static int print(Object value) throws IOException {
        System.out.println(JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
        return 0;
    }
}
