package cloud.agora.cli.fn;

import cloud.agora.cli.SignIn;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.event.JsonCodec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fn}: from nothing to a called function in three commands — {@code init} (a folder from a template),
 * {@code build} (its bundle or OCI image in {@code target/}), {@code deploy} (publish, deploy with a bid, wait until
 * active, print the URL to call).
 */
@Command(name = "fn", description = "Functions: init a folder from a template, build its bundle or image, deploy it.",
        subcommands = {FunctionCommands.Init.class, FunctionCommands.Build.class, FunctionCommands.Deploy.class,
                FunctionCommands.Preview.class})
public class FunctionCommands {

    @Command(name = "init", description = "Makes ./<name>/ from the <language> template (java, quarkus, node, python, shell),"
            + " with function.json (the spec) and agora.json (language, deployment request). Prints the folder.")
    static class Init implements Callable<Integer> {
        @Parameters(index = "0", description = "java, quarkus, node, python or shell")
        String language;

        @Parameters(index = "1", description = "the function's name (a-z, 0-9, '-')")
        String name;

        @Option(names = "--dir", description = "where to make the folder (default: ./<name>)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            Language lang = Language.byId(language).orElse(null);
            if (lang == null) {
                System.err.println("no template for '" + language + "' (known: " + Language.known() + ")");
                return 2;
            }
            Path folder = dir != null ? dir : Path.of(name);
            try {
                FunctionTemplates.init(lang, name, folder, FunctionTemplates.localDeployment());
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("fn init: " + e.getMessage());
                return 2;
            }
            System.out.println(folder.toAbsolutePath().normalize());
            return 0;
        }
    }

    @Command(name = "build", description = "Builds the function in the folder: a shell function's target/bundle.tar.gz, "
            + "any other's application and its OCI image target/image.tar. Prints what was written (JSON).")
    static class Build implements Callable<Integer> {
        @Parameters(arity = "0..1", description = "the function's folder (default: .)")
        Path dir = Path.of(".");

        @Option(names = "--offline", description = "run Maven offline (-o): only what the local repository holds")
        boolean offline;

        @Override
        public Integer call() throws Exception {
            FunctionProject project;
            FunctionBuilder.Built built;
            try {
                project = FunctionProject.read(dir);
                built = new FunctionBuilder(offline).build(project);
            } catch (IOException e) {
                System.err.println("fn build: " + e.getMessage());
                return 1;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("function", project.name());
            out.put("language", project.language().id());
            out.put("artifact", built.artifact().toAbsolutePath().normalize().toString());
            out.put("bytes", built.bytes());
            if (built.manifestDigest() != null) {
                out.put("manifestDigest", built.manifestDigest());
            }
            out.put("millis", built.millis());
            System.out.println(JsonCodec.write(out));
            return 0;
        }
    }

    @Command(name = "deploy", description = "Signs in to functions with the key, publishes function.json and the built "
            + "artifact as a new version, deploys it with agora.json's deployment request, waits until it is ACTIVE and "
            + "prints the URL to call.")
    static class Deploy implements Callable<Integer> {
        @Parameters(arity = "0..1", description = "the function's folder (default: .)")
        Path dir = Path.of(".");

        @Mixin
        Service service;

        @Option(names = "--wait", defaultValue = "120s", converter = cloud.agora.cli.DurationConverter.class,
                description = "how long to wait for the deployment to be ACTIVE (default ${DEFAULT-VALUE})")
        Duration wait;

        @Override
        public Integer call() throws Exception {
            try {
                return deploy();
            } catch (IOException e) {
                System.err.println("fn deploy: " + e.getMessage());
                return 1;
            }
        }

        private int deploy() throws IOException, InterruptedException {
            FunctionProject project = FunctionProject.read(dir);
            if (!Files.isRegularFile(project.artifact())) {
                throw new IOException("no " + project.artifact() + ": run 'fn build' first");
            }
            FunctionPublisher publisher = service.publisher();
            if (publisher == null) {
                return 2;
            }
            JsonNode version = publisher.publish(project);
            System.err.println("published " + project.name() + " version " + version.path("version").asInt() + " ("
                    + version.path("bundleCid").asText() + ", " + version.path("bundleBytes").asLong() + " bytes)");
            System.err.print(FunctionPublisher.describe(publisher.preview(project, version.path("version").asInt(),
                    Map.of())));
            JsonNode deployment = publisher.deploy(project, version.path("version").asInt());
            publisher.awaitActive(project.name(), deployment.path("id").asText(), wait);
            System.out.println(publisher.callUrl(project.name()));
            return 0;
        }
    }

    /** Where the functions service is and who the developer is: shared by the commands that sign in. */
    static class Service {
        @Option(names = "--url", defaultValue = "http://localhost:8080", description = "the functions service (default ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--key", description = "the developer's key file (default: <state>/keys/developer.key)")
        Path key;

        @Option(names = "--state", defaultValue = "${env:AGORA_STATE:-state}",
                description = "the platform's state folder, for the default key (default ${DEFAULT-VALUE})")
        Path state;

        /** A publisher signed in with the developer's key, or null (said why) when there is no key file. */
        FunctionPublisher publisher() throws IOException, InterruptedException {
            Path keyFile = key != null ? key : state.resolve("keys/developer.key");
            if (!Files.isRegularFile(keyFile)) {
                System.err.println("no key file " + keyFile + " (--key, or --state of a platform started by ./agora run)");
                return null;
            }
            return new FunctionPublisher(url, SignIn.token(url, KeyFiles.read(keyFile)), System.err);
        }
    }

    @Command(name = "preview", description = "What deploying the folder's newest published version with agora.json's "
            + "deployment request would get now (the providers that would take its replicas, their unit prices, how "
            + "many providers each constraint excludes) and what a load would cost; bids for nothing. Prints the "
            + "preview as JSON, and a summary on stderr.")
    static class Preview implements Callable<Integer> {
        @Parameters(arity = "0..1", description = "the function's folder (default: .)")
        Path dir = Path.of(".");

        @Mixin
        Service service;

        @Option(names = "--calls-per-second", description = "the load's rate (default 1)")
        java.math.BigDecimal callsPerSecond;

        @Option(names = "--duration-ms", description = "one call's wall time (default 100 ms, or the timeout if shorter)")
        Long durationMillis;

        @Option(names = "--cpu-ms", description = "one call's CPU time (default: its whole quota for the duration)")
        Long cpuMillis;

        @Option(names = "--memory-mib", description = "one call's peak memory (default: the memory limit)")
        Long memoryMiB;

        @Override
        public Integer call() throws Exception {
            try {
                FunctionProject project = FunctionProject.read(dir);
                FunctionPublisher publisher = service.publisher();
                if (publisher == null) {
                    return 2;
                }
                Map<String, Object> load = new LinkedHashMap<>();
                load.put("callsPerSecond", callsPerSecond);
                load.put("durationMillis", durationMillis);
                load.put("cpuMillisPerCall", cpuMillis);
                load.put("memoryMiB", memoryMiB);
                load.values().removeIf(java.util.Objects::isNull);
                JsonNode preview = publisher.preview(project, 0, load);
                System.err.print(FunctionPublisher.describe(preview));
                System.out.println(JsonCodec.write(preview));
                return 0;
            } catch (IOException e) {
                System.err.println("fn preview: " + e.getMessage());
                return 1;
            }
        }
    }
}
