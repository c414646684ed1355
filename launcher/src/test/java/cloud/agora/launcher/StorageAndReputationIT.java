package cloud.agora.launcher;

import static cloud.agora.launcher.PlatformCalls.BILLING;
import static cloud.agora.launcher.PlatformCalls.CHAIN;
import static cloud.agora.launcher.PlatformCalls.MARKET;
import static cloud.agora.launcher.PlatformCalls.STORAGE;
import static cloud.agora.launcher.PlatformCalls.await;
import static cloud.agora.launcher.PlatformCalls.call;
import static cloud.agora.launcher.PlatformCalls.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Chain;
import cloud.agora.contracts.chain.ChainSettings;
import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.money.Wei;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication test with the real marketplace and three real provider agents selling
 * storage: a pin with replication 2 is refused until the developer pays for storage (deposits and authorizes
 * billing's delegate), then placed on two agents; one block on one agent's disk is
 * damaged; the storage gateway's audit catches it, closes that lease and repairs it under a new lease
 * from a healthy copy, so two healthy copies exist again.
 */
class StorageReplicationIT {

    static final List<String> AGENTS = List.of("provider-agent", "provider-agent-2", "provider-agent-3");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failure keeps the platform's logs
    Path state;

    @Test
    void aCorruptedReplicaIsCaughtByTheAuditAndRepaired() throws Exception {
        try (LocalPlatform platform = new LocalPlatform(state, "--agents", "3")
                .withEnv("AGORA_STORAGE_AUDIT_INTERVAL", "2s")
                // the agents keep their usual compute prices: a STORAGE bid is priced on GiB-months only
                .withEnv("AGENT_MARKETPLACE_HEARTBEAT_INTERVAL", "2s")
                // storage is sold (1,000 wei per GiB-millisecond) and charged in 5-second periods, so a replica's
                // held storage reaches a voucher within the test
                .withEnv("AGENT_PRICES_PER_GIB_MONTH", "2592000000000")
                .withEnv("AGORA_BILLING_STORAGE_PERIOD", "PT5S")
                .withEnv("AGORA_STORAGE_PERIOD", "PT5S")
                .start()) {
            for (String key : List.of("provider", "provider-2", "provider-3")) {
                String provider = Platform.address(state, key);
                await("agent " + key + " in the market", Duration.ofSeconds(60),
                        () -> PlatformCalls.getOrNull(MARKET + "/api/v1/providers/" + provider, null),
                        o -> o.path("available").asBoolean(false));
            }
            String token = signIn(STORAGE, KeyFiles.read(state.resolve("keys/developer.key")));

            // 600 KiB: three 256 KiB chunks and a root, so four blocks per replica
            byte[] data = new byte[600 * 1024];
            new Random(5).nextBytes(data);
            HttpResponse<String> uploaded = PlatformCalls.HTTP.send(HttpRequest.newBuilder(URI.create(STORAGE + "/api/v1/objects"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(uploaded.statusCode()).as(uploaded.body()).isBetween(200, 201);
            String cid = JsonCodec.mapper().readTree(uploaded.body()).get("cid").asText();

            // replicas are paid storage: refused (the Pinning Service API's INSUFFICIENT_FUNDS) while billing collects
            // nothing from the developer, and nothing is bought
            Map<String, Object> pin = Map.of("cid", cid, "name", "replicated", "meta", Map.of("replication", "2"));
            HttpResponse<String> unpaid = PlatformCalls.send("POST", STORAGE + "/pins", token, pin);
            assertThat(unpaid.statusCode()).as(unpaid.body()).isEqualTo(409);
            assertThat(unpaid.body()).contains("INSUFFICIENT_FUNDS", "not-authorized");
            assertThat(call("GET", STORAGE + "/pins?status=queued,pinning,pinned,failed", token, null).get("count").asInt())
                    .isZero();
            // the developer deposits and lets billing collect
            try (Chain chain = Chain.connect(ChainSettings.local(CHAIN, 31337))) {
                Signer developer = Signer.of(KeyFiles.read(state.resolve("keys/developer.key")));
                Escrow escrow = chain.escrow(Address.parse(Files.readString(state.resolve("anvil/escrow-address")).strip()));
                escrow.deposit(developer, Wei.parse("1000000000000000000"));
                escrow.authorize(developer, Address.parse(Platform.address(state, "billing-delegate")),
                        Wei.parse("500000000000000000"));
            }

            JsonNode request = call("POST", STORAGE + "/pins", token, pin);
            String requestId = request.get("requestid").asText();
            JsonNode pinned = await("pin " + requestId + " pinned", Duration.ofSeconds(90),
                    () -> call("GET", STORAGE + "/pins/" + requestId, token, null),
                    p -> List.of("pinned", "failed").contains(p.get("status").asText()));
            assertThat(pinned.get("status").asText()).as("%s", pinned).isEqualTo("pinned");

            // the replicas are the storage gateway's active leases: exactly two, on two agents, each folder holding
            // all four verified blocks (a replica closed after a failed transfer may leave a folder behind until its
            // agent cleans it up: it is not a replica, and is reported)
            String storageToken = signIn(MARKET, KeyFiles.read(state.resolve("keys/storage.key")));
            // the developer pays for the replicas: the storage leases are the developer's, brokered by the gateway
            String ownerToken = signIn(MARKET, KeyFiles.read(state.resolve("keys/developer.key")));
            List<Path> holders = replicaFolders(ownerToken);
            assertThat(holders).as("one replica on each of two agents").hasSize(2);
            assertThat(holders.stream().map(dir -> dir.getParent().getParent()).distinct()).hasSize(2);
            assertThat(holders).allSatisfy(dir -> assertThat(healthyBlocks(dir)).isEqualTo(4));
            List<Path> others = AGENTS.stream().map(this::leaseDirs).flatMap(List::stream).filter(dir -> !holders.contains(dir)).toList();
            if (!others.isEmpty()) {
                System.out.println("lease folders that are not replicas (closed leases not yet cleaned up): " + others);
            }
            Path damaged = holders.get(0);
            Path healthy = holders.get(1);

            // the held storage is paid: the periods the gateway witnessed after passing audits reach a voucher of the
            // healthy replica's provider, charged to the developer
            String healthyAgent = healthy.getParent().getParent().getFileName().toString();
            String providerBilling = signIn(BILLING, KeyFiles.read(state.resolve("keys/"
                    + healthyAgent.replace("provider-agent", "provider") + ".key")));
            String developerAddress = Platform.address(state, "developer");
            JsonNode vouchers = await("a voucher for the healthy replica's storage periods", Duration.ofSeconds(120),
                    () -> call("GET", BILLING + "/api/v1/vouchers?provider=" + Platform.address(state,
                            healthyAgent.replace("provider-agent", "provider")) + "&consumer=" + developerAddress,
                            providerBilling, null),
                    l -> l.size() >= 1 && l.get(0).get("receipts").asLong() >= 1);
            assertThat(vouchers.get(0).get("voucher").get("voucher").get("consumer").asText()).isEqualToIgnoringCase(developerAddress);
            String damagedLease = damaged.getFileName().toString();
            String damagedAgent = damaged.getParent().getParent().getFileName().toString();

            // flip one bit of one block on that agent's disk
            Path block;
            try (Stream<Path> files = Files.list(damaged)) {
                block = files.sorted().findFirst().orElseThrow();
            }
            byte[] bytes = Files.readAllBytes(block);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(block, bytes);

            // the audit catches it: that lease is closed in the marketplace
            await("the damaged replica's lease closed by the audit", Duration.ofSeconds(120),
                    () -> call("GET", MARKET + "/api/v1/leases/" + damagedLease, storageToken, null),
                    l -> "CLOSED".equals(l.get("state").asText()));

            // repair: two healthy copies again — the untouched one and a new lease holding all four verified blocks
            PlatformCalls.await("a second verified copy under a new lease", Duration.ofSeconds(120),
                    () -> replicaFolders(ownerToken).stream()
                            .filter(dir -> !dir.getFileName().toString().equals(damagedLease))
                            .filter(dir -> healthyBlocks(dir) == 4).count() == 2);
            assertThat(healthyBlocks(healthy)).isEqualTo(4);
            assertThat(call("GET", STORAGE + "/pins/" + requestId, token, null).get("status").asText()).isEqualTo("pinned");
        }
    }

    /** The lease folders holding blocks under an agent's data dir ({@code storage/<leaseId>/}). */
    private List<Path> leaseDirs(String agent) {
        Path root = state.resolve(agent).resolve("storage");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).filter(dir -> healthyBlocks(dir) + corruptBlocks(dir) > 0).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Block files whose sha-256 is their name. */
    private static int healthyBlocks(Path dir) {
        return (int) blocks(dir).stream().filter(StorageReplicationIT::hashesToName).count();
    }

    private static int corruptBlocks(Path dir) {
        return (int) blocks(dir).stream().filter(file -> !hashesToName(file)).count();
    }

    private static List<Path> blocks(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static boolean hashesToName(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)))
                    .equals(file.getFileName().toString());
        } catch (Exception e) {
            return false;
        }
    }

    /** The folders of the storage gateway's active leases (its replicas), on whichever agent holds them. */
    private List<Path> replicaFolders(String ownerToken) throws Exception {
        List<Path> folders = new java.util.ArrayList<>();
        for (JsonNode lease : call("GET", MARKET + "/api/v1/leases?active=true", ownerToken, null)) {
            for (String agent : AGENTS) {
                Path dir = state.resolve(agent).resolve("storage").resolve(lease.get("id").asText());
                if (Files.isDirectory(dir)) {
                    folders.add(dir);
                }
            }
        }
        return folders;
    }
}
