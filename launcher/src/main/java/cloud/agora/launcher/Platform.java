package cloud.agora.launcher;

import cloud.agora.contracts.devnet.Anvil;
import cloud.agora.contracts.devnet.DevKeys;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.kafka.KraftSettings;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.event.EventProducers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.web3j.crypto.ECKeyPair;

/**
 * One machine's platform: the parts in start order, stopped in reverse order.
 *
 * <p>Layout of the state folder: {@code postgres/} (data), {@code kafka/} (log dirs and
 * config), {@code logs/<part>.log}, {@code keys/<role>.key} (dev keys), {@code auth-secret}
 * (shared by the services so one token works everywhere), {@code launcher.pid}, and
 * {@code pids/<part>.pid} (to clean up after a launcher that was killed without stopping).
 */
final class Platform {

    /** Where the local platform's parts listen. */
    static final int POSTGRES_PORT = 15432;
    static final int KAFKA_PORT = 19092;
    static final int KAFKA_CONTROLLER_PORT = 19093;
    static final int CHAIN_PORT = 8545;

    /** Which funded dev account plays which role (index into Anvil's well-known accounts). */
    static final Map<String, Integer> DEV_ROLES = new LinkedHashMap<>();

    static {
        DEV_ROLES.put("developer", 2);
        DEV_ROLES.put("provider", 3);
        DEV_ROLES.put("holder", 4);
        DEV_ROLES.put("billing-delegate", 5);
        // functions' gateway key: it witnesses every receipt an agent returns (in batches); billing trusts its address
        DEV_ROLES.put("gateway", 6);
        // the storage gateway's key: it buys STORAGE leases in the marketplace for replicated pins
        DEV_ROLES.put("storage", 7);
        // the second and third provider (./agora run --agents 2|3)
        DEV_ROLES.put("provider-2", 8);
        DEV_ROLES.put("provider-3", 9);
        // governance's key on the devnet: it deployed the contracts and is the timelock's proposer and executor (the
        // escrow's executor is the timelock: a fee change waits the timelock's delay)
        DEV_ROLES.put("executor", 0);
        // the devnet timelock's guardian: may cancel a scheduled change during its delay (also the devnet treasury)
        DEV_ROLES.put("guardian", Devnet.GUARDIAN_ACCOUNT);
    }

    /**
     * The JVM options of every service but functions ({@link #GATEWAY_JVM}), agent and the local Kafka
     * ({@code AGORA_SERVICE_JVM} replaces them, space-separated): a heap that starts small and may grow to 512 MiB
     * (the JVM's default initial heap, a 64th of the machine's memory, is touched by the first allocations: 380 MiB
     * committed per JVM on 24 GiB), the serial collector
     * (one machine runs seven JVMs, whose pauses are short at these heap sizes; G1's own threads and remembered sets
     * cost memory the platform shares) and only the quick compiler (C2's compilations were a third of the CPU the
     * platform spends starting on two cores, and its code cache and arenas 25 MiB per JVM; a one-machine platform
     * never runs long enough to earn them back). Figures in the launcher README.
     */
    static final List<String> SERVICE_JVM = List.of(System.getenv().getOrDefault("AGORA_SERVICE_JVM",
            "-Xms32m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1").trim().split("\\s+"));

    /**
     * The JVM options of the functions service: those of every service but with the optimising compiler too
     * ({@code AGORA_GATEWAY_JVM} replaces them; unset, a set {@code AGORA_SERVICE_JVM} applies to it as to the others).
     * The gateway is on every call's path: with C2, its recording in one statement and the wake-ups moved after the
     * answer, what it adds to a call fell from 2.13 to 1.13 ms (functions README, "The gateway's overhead at 1.13 ms");
     * one service's compilations are a small share of the platform's start (launcher README, "JVM options").
     */
    static final List<String> GATEWAY_JVM = List.of(Optional.ofNullable(System.getenv("AGORA_GATEWAY_JVM"))
            .or(() -> Optional.ofNullable(System.getenv("AGORA_SERVICE_JVM")))
            .orElse("-Xms32m -Xmx512m -XX:+UseSerialGC").trim().split("\\s+"));

    /** The most provider agents one machine runs: one per funded provider dev key. */
    static final int MAX_AGENTS = 3;

    /** The first agent's port; agent {@code i} (from 1) listens on {@code AGENT_PORT + i - 1}. */
    static final int AGENT_PORT = 8090;

    /** Storage each local agent sells (GiB), so the storage gateway's STORAGE bids can match. */
    static final int AGENT_STORAGE_GIB = 10;

    /**
     * The services, in start order, with {@code agents} provider agents last; a service runs when its
     * module has been built.
     */
    static List<ServiceSpec> services(int agents) {
        List<ServiceSpec> services = new ArrayList<>(List.of(
                // the marketplace publishes the gateway keys (GET /api/v1/gateways) for agents not configured with them
                new ServiceSpec("marketplace", "marketplace", 8081, true, (root, state) -> Map.of(
                        "AGORA_MARKET_GATEWAYS_FUNCTIONS", address(state, "gateway"),
                        "AGORA_MARKET_GATEWAYS_STORAGE", address(state, "storage"))),
                new ServiceSpec("governance", "governance", 8083, true, (root, state) -> Map.of(
                        "AGORA_CHAIN_TOKEN_ADDRESS", Files.readString(state.resolve("anvil/token-address")).strip(),
                        "AGORA_CHAIN_TIMELOCK_ADDRESS", Files.readString(state.resolve("anvil/timelock-address")).strip(),
                        "AGORA_CHAIN_GUARDIANS", address(state, "guardian"),
                        "AGORA_CHAIN_EXECUTOR_KEY_FILE", state.resolve("keys/executor.key").toString(),
                        "QUARKUS_CONFIG_LOCATIONS", governanceDevTimings(state).toUri().toString())),
                new ServiceSpec("billing", "billing", 8082, true, (root, state) -> {
                    String gateway = address(state, "gateway");
                    return Map.of(
                            "AGORA_BILLING_VOUCHERS_DELEGATE_KEY_FILE", state.resolve("keys/billing-delegate.key").toString(),
                            // the one witness billing accepts for calls: it rates only receipts this gateway witnessed
                            "AGORA_BILLING_GATEWAYS", gateway,
                            // and for storage leases' periods
                            "AGORA_BILLING_STORAGE_GATEWAYS", address(state, "storage"),
                            "QUARKUS_CONFIG_LOCATIONS", billingDevTimings(state).toUri().toString());
                }),
                new ServiceSpec("storage-gateway", "storage-gateway", 8084, true, (root, state) -> Map.of(
                        "AGORA_STORAGE_PATH", state.resolve("storage-gateway").toString(),
                        "AGORA_STORAGE_KEY_FILE", state.resolve("keys/storage.key").toString(),
                        "AGORA_MARKETPLACE_URL", "http://localhost:8081",
                        // every agent of this platform listens on loopback
                        "AGORA_STORAGE_LOCAL_NETWORK", "true")),
                new ServiceSpec("functions", "functions", 8080, true, (root, state) -> Map.of(
                        "AGORA_FUNCTIONS_SECRET_KEY", base64Key(state, "functions-secret-key"),
                        "AGORA_FUNCTIONS_LOCAL_NETWORK", "true",
                        "AGORA_FUNCTIONS_GATEWAY_KEY_FILE", state.resolve("keys/gateway.key").toString()))));
        for (int i = 1; i <= agents; i++) {
            services.add(agent(i));
        }
        return services;
    }

    /**
     * Provider agent {@code i} (from 1): the first keeps the names of a one-agent platform
     * ({@code provider-agent}, key {@code provider}, data {@code state/provider-agent}); the
     * others are {@code provider-agent-<i>} with key {@code provider-<i>}, each selling this
     * machine (compute and {@value #AGENT_STORAGE_GIB} GiB of storage) in region {@code local}.
     */
    static ServiceSpec agent(int i) {
        String name = i == 1 ? "provider-agent" : "provider-agent-" + i;
        String key = i == 1 ? "provider" : "provider-" + i;
        int port = AGENT_PORT + i - 1;
        return new ServiceSpec(name, "provider-agent", port, false, (root, state) -> env(
                "AGENT_KEY_FILE", state.resolve("keys/" + key + ".key").toString(),
                "AGENT_DATA_DIR", state.resolve(name).toString(),
                "AGENT_MARKETPLACE_URL", "http://localhost:8081",
                "AGENT_ENDPOINT", "http://localhost:" + port,
                "AGENT_REGION", "local",
                // whose grants the agent accepts: the functions gateway's for calls, the storage gateway's for blocks
                "AGENT_GATEWAYS_FUNCTIONS", address(state, "gateway"),
                "AGENT_GATEWAYS_STORAGE", address(state, "storage"),
                "AGENT_STORAGE_GATEWAY_URL", "http://localhost:8084",
                // receipts go through Kafka; billing's URL is the agent's fallback (HTTPS batches) and its voucher source
                "AGENT_BILLING_URL", "http://localhost:8082",
                "AGENT_CAPACITY_MAX_STORAGE_GI_B", Integer.toString(AGENT_STORAGE_GIB),
                // each agent its own container names and cgroups on the shared host
                "AGENT_RUNC_CGROUP_PARENT", "agora-" + name,
                // one build of the runtimes' root filesystems (the JVM image: a jlink'ed JDK, 8 s of CPU) for every agent
                // of every platform started from this build, a fresh state too: next to the agent's build, unless the
                // launcher's environment names another folder (the image's stamp and lock make a kept one safe to reuse)
                "AGENT_RUNC_RUNTIMES_DIR", System.getenv().getOrDefault("AGENT_RUNC_RUNTIMES_DIR",
                        root.resolve("provider-agent/target/runtimes").toString())));
    }

    private final Path root;
    private final Path state;
    private final Optional<String> externalPostgres;
    private final String postgresUser;
    private final String postgresPassword;
    private final Optional<String> externalKafka;
    private final Duration readyTimeout;
    private final int agents;
    private final String listen;
    private final SignInSite site;
    private final List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The local broker's process, once started (null with an external Kafka). */
    private volatile Process broker;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Instant began = Instant.now();
    /** The class-data archives this run's processes write as they stop: where they write it, where it is kept. */
    private final Map<Path, Path> archiving = new LinkedHashMap<>();
    private volatile EmbeddedPostgres postgres;
    private Devnet devnet;
    private volatile boolean stopping;

    Platform(Path root, Path state, Optional<String> externalPostgres, String postgresUser, String postgresPassword,
            Optional<String> externalKafka, Duration readyTimeout, int agents, String listen, SignInSite site) {
        if (agents < 0 || agents > MAX_AGENTS) {
            throw new IllegalArgumentException("between 0 and " + MAX_AGENTS + " agents (one per provider dev key), not " + agents);
        }
        this.root = root;
        this.state = state;
        this.externalPostgres = externalPostgres;
        this.postgresUser = postgresUser;
        this.postgresPassword = postgresPassword;
        this.externalKafka = externalKafka;
        this.readyTimeout = readyTimeout;
        this.agents = agents;
        this.listen = listen;
        this.site = site;
    }

    void start() throws Exception {
        Files.createDirectories(state.resolve("logs"));
        Files.createDirectories(state.resolve("pids"));
        killLeftovers();
        Files.writeString(state.resolve("launcher.pid"), Long.toString(ProcessHandle.current().pid()));
        String secret = secret();
        Map<String, Path> keys = devKeys();

        // Kafka (its storage formatted first on a fresh state), PostgreSQL (initdb first) and Anvil (the contracts
        // deployed first) start side by side; the services, all at once, once the three are up: a service waits for no
        // other to start (each retries its calls to the others), so the platform is ready when the slowest is, not
        // after the sum of their starts. Agents start once the marketplace answers: their first offer is published
        // then, not a heartbeat later.
        ExecutorService alongside = Executors.newFixedThreadPool(2);
        Future<Process> kafkaStarting = alongside.submit(this::startKafka);
        Future<String> postgresStarting = alongside.submit(this::startPostgres);
        Map<String, String> chain;
        try {
            chain = startChain();
        } finally {
            // both up or failed before this goes on or gives up: stop() then finds every process they started
            alongside.shutdown();
            alongside.awaitTermination(readyTimeout.toSeconds(), TimeUnit.SECONDS);
        }
        Process kafkaProcess = started(kafkaStarting);
        String postgresBase = started(postgresStarting);
        String kafka = awaitKafka(kafkaProcess);
        Map<String, String> urls = new LinkedHashMap<>();
        Map<String, Process> starting = new LinkedHashMap<>();
        for (ServiceSpec service : services(agents)) {
            Path jar = root.resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.exists(jar)) {
                log("skipping %s: %s is not built", service.name(), jar);
                continue;
            }
            Map<String, String> env = new LinkedHashMap<>();
            env.put("QUARKUS_HTTP_PORT", Integer.toString(service.port()));
            // loopback unless told otherwise (--listen): a one-machine platform is not a public service
            env.put("QUARKUS_HTTP_HOST", listen);
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
            env.put("AGORA_AUTH_SECRET", secret);
            env.putAll(site.env());
            env.putAll(chain);
            env.putAll(service.env().of(root, state));
            env.putAll(signedEvents(state, service.name()));
            if (service.database()) {
                String database = service.name().replace('-', '_');
                createDatabase(postgresBase, database);
                env.put("QUARKUS_DATASOURCE_JDBC_URL", postgresBase + "/" + database);
                env.put("QUARKUS_DATASOURCE_USERNAME", postgresUser);
                env.put("QUARKUS_DATASOURCE_PASSWORD", postgresPassword);
            }
            if (service.module().equals("provider-agent") && starting.containsKey("marketplace")) {
                awaitHealthy(Map.of("marketplace", starting.remove("marketplace")), urls);
            }
            List<String> command = new ArrayList<>(List.of(java()));
            command.addAll(service.module().equals("functions") ? GATEWAY_JVM : SERVICE_JVM);
            command.addAll(classData(service.module(), jar, root.resolve(service.module()).resolve("target")));
            command.addAll(List.of("-jar", jar.toString()));
            starting.put(service.name(), startProcess(service.name(), command, env));
            urls.put(service.name(), "http://localhost:" + service.port());
        }
        awaitHealthy(starting, urls);
        log("ready in %.1f s", Duration.between(began, Instant.now()).toMillis() / 1000.0);

        StringBuilder ready = new StringBuilder("\nAgora is running.\n");
        urls.forEach((name, url) -> ready.append(String.format("  %-16s %s  (OpenAPI %s/q/openapi)%n", name, url, url)));
        ready.append(String.format("  %-16s %s%n", "postgresql", postgresBase));
        ready.append(String.format("  %-16s %s%n", "kafka", kafka));
        ready.append(String.format("  %-16s %s (chain %s; token %s, escrow %s, timelock %s)%n", "ethereum", devnet.rpcUrl(),
                devnet.chainId(), devnet.token().address(), devnet.escrow().address(), devnet.timelock().address()));
        ready.append("Dev keys (sign in with: ./agora cli login --key <file> --url <service>):\n");
        for (Map.Entry<String, Path> key : keys.entrySet()) {
            ECKeyPair pair = KeyFiles.read(key.getValue());
            ready.append(String.format("  %-16s %s  %s%n", key.getKey(), PersonalSignature.addressOf(pair).checksummed(),
                    key.getValue()));
        }
        ready.append("Logs: ").append(state.resolve("logs")).append("\nStop with Ctrl-C or ./agora stop.\n");
        System.out.println(ready);
    }

    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops the services, then Kafka, then PostgreSQL. Safe to call twice. */
    synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        log("stopping");
        // the services and agents at once (none needs another to stop), then Kafka
        List<Process> services = processes.stream().filter(p -> p != broker).toList();
        services.forEach(Process::destroy);
        services.forEach(Platform::awaitExit);
        if (broker != null) {
            broker.destroy();
            awaitExit(broker);
        }
        keepArchives();
        if (devnet != null) {
            devnet.close();
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                log("postgres did not stop cleanly: %s", e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(state.resolve("launcher.pid"));
            try (var pids = Files.list(state.resolve("pids"))) {
                for (Path pid : pids.toList()) {
                    Files.deleteIfExists(pid);
                }
            }
        } catch (IOException ignored) {
            // nothing to clean
        }
        log("stopped");
        stopped.countDown();
    }

    private String startPostgres() throws IOException, SQLException {
        if (externalPostgres.isPresent()) {
            log("using PostgreSQL at %s", externalPostgres.get());
            return externalPostgres.get().replaceAll("/+$", "");
        }
        Path data = state.resolve("postgres");
        Files.createDirectories(data);
        log("starting PostgreSQL on port %d (data in %s)", POSTGRES_PORT, data);
        postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(POSTGRES_PORT)
                // stopped by stop(), after the services: a hook of its own would run alongside the launcher's and stop
                // the database under services still flushing their work (they then took 10 s to give up)
                .setRegisterShutdownHook(false)
                // zonky's defaults are for tests (fsync off, asynchronous commit); accepted data must
                // survive a crash here, so every commit is flushed before it is acknowledged
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                // this machine only, whatever --listen says: only the platform's own services use it
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(state.resolve("logs/postgres.log").toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(state.resolve("logs/postgres.log").toFile()))
                .start();
        return "jdbc:postgresql://localhost:" + POSTGRES_PORT;
    }

    /** Anvil with the contracts deployed (once: its state file keeps them), and what services need to use it. */
    private Map<String, String> startChain() throws IOException {
        Path dir = state.resolve("anvil");
        Files.createDirectories(dir);
        log("starting Anvil on port %d (state in %s)", CHAIN_PORT, dir);
        devnet = Devnet.start(Anvil.Options.defaults().withPort(CHAIN_PORT).withStateFile(dir.resolve("state.json")));
        Files.writeString(state.resolve("pids/anvil.pid"), Long.toString(devnet.anvil().pid()));
        Files.writeString(dir.resolve("token-address"), devnet.token().address().checksummed());
        Files.writeString(dir.resolve("escrow-address"), devnet.escrow().address().checksummed());
        Files.writeString(dir.resolve("timelock-address"), devnet.timelock().address().checksummed());
        log("contracts: token %s, escrow %s, its executor the timelock %s (delay %s)", devnet.token().address(),
                devnet.escrow().address(), devnet.timelock().address(), devnet.timelock().minDelay());
        return Map.of(
                "AGORA_CHAIN_RPC_URL", devnet.rpcUrl(),
                "AGORA_CHAIN_CHAIN_ID", Long.toString(devnet.chainId()),
                "AGORA_CHAIN_ESCROW_ADDRESS", devnet.escrow().address().checksummed(),
                // Anvil mines each transaction at once and no block without one: poll fast, count a transaction once mined
                "AGORA_CHAIN_POLL_INTERVAL", "5ms",
                "AGORA_CHAIN_RECEIPT_TIMEOUT", "10s",
                "AGORA_CHAIN_CONFIRMATIONS", "1");
    }

    private void createDatabase(String base, String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(base + "/postgres", postgresUser, postgresPassword);
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (ResultSet r = exists.executeQuery()) {
                if (!r.next()) {
                    try (Statement create = c.createStatement()) {
                        create.execute("CREATE DATABASE " + name);
                    }
                }
            }
        }
    }

    /** What a part started alongside the others returned, or what it threw. */
    private static <T> T started(Future<T> part) throws Exception {
        try {
            return part.get(0, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Waits up to 30 s for a process asked to stop, then kills it. */
    private static void awaitExit(Process process) {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the local broker (null when the platform uses another); {@link #awaitKafka} waits for it. */
    private Process startKafka() throws Exception {
        if (externalKafka.isPresent()) {
            log("using Kafka at %s", externalKafka.get());
            return null;
        }
        Path dir = state.resolve("kafka");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Properties props = KraftSettings.singleNode(KAFKA_PORT, KAFKA_CONTROLLER_PORT, data);
        Path config = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(config)) {
            props.store(out, "Agora local broker (written by the launcher)");
        }
        Path classpathFile = root.resolve("kafka-broker/target/kafka.classpath");
        String classpath = Files.readString(classpathFile).strip();
        if (!Files.exists(data.resolve("meta.properties"))) {
            log("formatting Kafka storage in %s", data);
            Process format = new ProcessBuilder(java(), "-cp", classpath, "kafka.tools.StorageTool", "format",
                    // joined to its option: a random id may start with '-', which the tool's parser takes for an option
                    "--cluster-id=" + clusterId(), "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("logs/kafka.log").toFile()))
                    .start();
            if (format.waitFor() != 0) {
                throw new IllegalStateException("formatting Kafka storage failed; see " + state.resolve("logs/kafka.log"));
            }
        }
        log("starting Kafka on port %d", KAFKA_PORT);
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(SERVICE_JVM);
        command.addAll(classData("kafka", classpathFile, classpathFile.getParent()));
        command.addAll(List.of("-cp", classpath, "kafka.Kafka", config.toString()));
        broker = startProcess("kafka", command, Map.of());
        return broker;
    }

    /** The bootstrap address, once the local broker started by {@link #startKafka} listens. */
    private String awaitKafka(Process broker) throws Exception {
        if (broker == null) {
            return externalKafka.orElseThrow();
        }
        awaitPort("kafka", KAFKA_PORT, broker);
        return "localhost:" + KAFKA_PORT;
    }

    private Process startProcess(String name, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("logs/" + name + ".log").toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        Files.writeString(state.resolve("pids/" + name + ".pid"), Long.toString(process.pid()));
        log("started %s (pid %d, log %s)", name, process.pid(), state.resolve("logs/" + name + ".log"));
        return process;
    }

    /**
     * The class-data archive options of a service or of Kafka: the JVM maps the classes its module loaded last time
     * instead of reading and verifying them again (half the start-up on this machine; the launcher README has the
     * figures) from {@code <module>/target/<name>.jsa} (or {@code $AGORA_CDS_DIR/<name>.jsa}; {@code off}: none), an
     * archive of the build, so every platform started from the build maps it, whatever its state folder. When there is
     * none newer than the build ({@code built}: the module's jar or class path file), the first process of the module
     * writes one as it stops, under a name of its own that {@link #stop} renames into place once the process has
     * exited: no platform maps a half-written archive. A stale or foreign archive is only ignored by the JVM.
     */
    private List<String> classData(String name, Path built, Path target) throws IOException {
        String setting = System.getenv().getOrDefault("AGORA_CDS_DIR", target.toString());
        if (setting.equals("off")) {
            return List.of();
        }
        Path dir = Path.of(setting);
        Files.createDirectories(dir);
        Path archive = dir.resolve(name + ".jsa");
        List<String> quiet = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        if (Files.exists(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(built)) > 0) {
            return concat(List.of("-XX:SharedArchiveFile=" + archive), quiet);
        }
        if (archiving.containsValue(archive)) {
            return List.of(); // another agent of this run writes it
        }
        Path writing = dir.resolve(name + ".jsa.writing");
        Files.deleteIfExists(writing);
        archiving.put(writing, archive);
        return concat(List.of("-XX:ArchiveClassesAtExit=" + writing), quiet);
    }

    /** Moves the archives written by the processes that stopped into place (after they exited: complete). */
    private void keepArchives() {
        archiving.forEach((writing, archive) -> {
            try {
                if (Files.exists(writing) && Files.size(writing) > 0) {
                    Files.move(writing, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.deleteIfExists(writing);
                }
            } catch (IOException e) {
                log("class-data archive %s not kept: %s", archive, e.getMessage());
            }
        });
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Waits until every started service answers {@code /q/health/ready}; fails as soon as one exits. */
    private void awaitHealthy(Map<String, Process> starting, Map<String, String> urls) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(readyTimeout);
        Map<String, Process> pending = new LinkedHashMap<>(starting);
        while (!pending.isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(String.join(", ", pending.keySet()) + " not healthy within "
                        + readyTimeout.toSeconds() + " s");
            }
            for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                var service = it.next();
                String name = service.getKey();
                if (!service.getValue().isAlive()) {
                    throw new IllegalStateException(name + " exited; see " + state.resolve("logs/" + name + ".log"));
                }
                try {
                    HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(urls.get(name) + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 200) {
                        log("%s is healthy at %s", name, urls.get(name));
                        it.remove();
                    }
                } catch (IOException notYet) {
                    // still starting
                }
            }
            if (!pending.isEmpty()) {
                Thread.sleep(250);
            }
        }
    }

    private void awaitPort(String name, int port, Process process) throws Exception {
        Instant deadline = Instant.now().plus(readyTimeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + state.resolve("logs/" + name + ".log"));
            }
            try (Socket ignored = new Socket("localhost", port)) {
                log("%s is listening on %d", name, port);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException(name + " did not listen on " + port + " within " + readyTimeout.toSeconds() + " s");
    }

    /** Processes a killed launcher left behind would hold the ports: stop them first. */
    private void killLeftovers() throws IOException, InterruptedException {
        Path launcherPid = state.resolve("launcher.pid");
        if (Files.exists(launcherPid)) {
            Optional<ProcessHandle> other = ProcessHandle.of(Long.parseLong(Files.readString(launcherPid).strip()));
            if (other.isPresent() && other.get().info().commandLine().orElse("").contains("launcher")) {
                throw new IllegalStateException("the platform is already running (pid " + other.get().pid()
                        + "); stop it with ./agora stop");
            }
        }
        try (var pids = Files.list(state.resolve("pids"))) {
            for (Path pidFile : pids.toList()) {
                terminate(Long.parseLong(Files.readString(pidFile).strip()),
                        pidFile.getFileName().toString().startsWith("anvil") ? "anvil" : "java");
                Files.deleteIfExists(pidFile);
            }
        }
        Path postmaster = state.resolve("postgres/postmaster.pid");
        if (Files.exists(postmaster)) {
            terminate(Long.parseLong(Files.readAllLines(postmaster).get(0).strip()), "postgres");
        }
    }

    private void terminate(long pid, String expectedCommand) throws InterruptedException {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isPresent() && handle.get().info().command().orElse("").contains(expectedCommand)) {
            log("stopping leftover %s process %d", expectedCommand, pid);
            handle.get().destroy();
            try {
                handle.get().onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                handle.get().destroyForcibly();
            }
        }
    }

    private String secret() {
        return secretFile(state, "auth-secret");
    }

    /**
     * Governance timings for one machine: a proposal can be voted on from the next block for 20
     * blocks (extended by 5 when quorum is first reached in its last 5) and executes 10 s after it
     * passed (on chain: through the timelock, where the guardian key can cancel it meanwhile; a vote may
     * shorten that to the devnet timelock's floor, a second), so a token holder can try governance in minutes
     * (mainnet-like defaults would take days). They are the parameters' initial values; once
     * governance changes them, its own record wins.
     */
    static Path governanceDevTimings(Path state) throws IOException {
        Path file = state.resolve("governance-dev.properties");
        Files.writeString(file, String.join("\n",
                "# written by the launcher: governance timings for a local platform",
                "agora.governance.initial-values.\"governance.voting-delay\"=1",
                "agora.governance.initial-values.\"governance.voting-period\"=20",
                "agora.governance.initial-values.\"governance.timelock\"=PT10S",
                "# the devnet timelock's floor is a second; a public deployment keeps the default floor, an hour",
                "agora.governance.timelock-floor=PT1S",
                "# quorum first reached in the last 5 blocks extends the vote by 5 (the default, 7200, exceeds this period)",
                "agora.governance.late-quorum-extension=5", ""));
        return file;
    }

    /**
     * Billing timings for one machine: a voucher as soon as a (developer, provider) pair has any
     * unvouchered charge, pairs examined every second, a redeem counted once mined (Anvil mines
     * each transaction at once and nothing else makes blocks), so a developer sees a voucher a
     * second or two after a call. Governance can still change the governed ones.
     */
    static Path billingDevTimings(Path state) throws IOException {
        Path file = state.resolve("billing-dev.properties");
        Files.writeString(file, String.join("\n",
                "# written by the launcher: billing timings for a local platform",
                "agora.billing.vouchers.threshold=1",
                "agora.billing.vouchers.period=PT10S",
                "agora.billing.vouchers.interval=PT1S",
                "agora.billing.settlement.confirmations=1",
                "agora.billing.settlement.interval=PT1S", ""));
        return file;
    }

    /** Settings from name, value pairs (more than {@code Map.of} takes). */
    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** The checksummed address of a dev role's key. */
    static String address(Path state, String role) throws IOException {
        return PersonalSignature.addressOf(KeyFiles.read(state.resolve("keys/" + role + ".key"))).checksummed();
    }

    /**
     * Signed events for {@code service}: every producer's event address (so it reads their topics only when signed by
     * them) and, for a producer, its own event key ({@code keys/events-<service>.key}, random, made on first use).
     */
    static Map<String, String> signedEvents(Path state, String service) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String producer : EventProducers.SERVICES) {
            env.put("AGORA_EVENTS_PRODUCERS_" + producer.toUpperCase(java.util.Locale.ROOT),
                    PersonalSignature.addressOf(eventKey(state, producer)).checksummed());
        }
        if (EventProducers.SERVICES.contains(service)) {
            eventKey(state, service);
            env.put("AGORA_EVENTS_KEY_FILE", state.resolve("keys/events-" + service + ".key").toString());
        }
        return env;
    }

    /** A producer's event-signing key, kept (owner-only) in {@code keys/events-<service>.key}, made on first use. */
    private static ECKeyPair eventKey(Path state, String service) {
        try {
            Path file = state.resolve("keys/events-" + service + ".key");
            ownerOnly(file, Files.exists(file) ? "" : KeyFiles.toHex(org.web3j.crypto.Keys.createEcKeyPair()) + "\n");
            return KeyFiles.read(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot keep the event key of " + service, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes a secret to {@code file} readable by its owner only (mode 600 from its creation: written to an owner-only
     * temporary file, then moved into place), or, when it exists, makes it owner-only (a state made before).
     */
    static void ownerOnly(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        if (Files.exists(file)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
            return;
        }
        Path fresh = Files.createTempFile(file.getParent(), ".secret-", ".tmp",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(fresh, content);
        Files.move(fresh, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");

    /** A random 32-byte key, base64, kept in {@code state/<name>}, made on first use. */
    static String base64Key(Path state, String name) {
        try {
            Path file = state.resolve(name);
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            ownerOnly(file, java.util.Base64.getEncoder().encodeToString(random));
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot keep the key " + name, e);
        }
    }

    /** A random 32-byte hex secret kept in {@code state/<name>}, made on first use. */
    static String secretFile(Path state, String name) {
        try {
            Path file = state.resolve(name);
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            ownerOnly(file, HexFormat.of().formatHex(random));
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot keep the secret " + name, e);
        }
    }

    /** Key files of the dev roles: Anvil's funded accounts (ETH, and AGORA tokens from the devnet's allocation). */
    private Map<String, Path> devKeys() throws Exception {
        Path dir = state.resolve("keys");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, Path> keys = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> role : DEV_ROLES.entrySet()) {
            Path file = dir.resolve(role.getKey() + ".key");
            ownerOnly(file, DevKeys.get(role.getValue()).privateKeyHex() + "\n");
            keys.put(role.getKey(), file);
        }
        return keys;
    }

    /** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's Uuid prints them). */
    private static String clusterId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[agora %5.1fs] " + format + "%n",
                prepend(Duration.between(began, Instant.now()).toMillis() / 1000.0, args));
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /** A service of the platform: its module, port, whether it has a database of its own, and its own settings. */
    record ServiceSpec(String name, String module, int port, boolean database, Settings env) {
    }

    /**
     * A service's own settings, from the repository (where the build keeps what platforms share) and the state folder
     * (where the parts before it left their facts).
     */
    interface Settings {
        Map<String, String> of(Path root, Path state) throws IOException;
    }
}
