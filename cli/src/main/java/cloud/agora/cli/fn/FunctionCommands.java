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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fn}: from nothing to a called function in three commands — {@code init} (a folder from a template),
 * {@code build} (its bundle or OCI image in {@code target/}), {@code deploy} (publish, deploy with a bid, wait until
 * active, print the URL to call).
 */
@Command(name = "fn", description = "Functions: init a folder from a template, build its bundle or image, deploy it.",
        subcommands = {FunctionCommands.Init.class, FunctionCommands.Build.class, FunctionCommands.Deploy.class})
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

        @Option(names = "--url", defaultValue = "http://localhost:8080", description = "the functions service (default ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--key", description = "the developer's key file (default: <state>/keys/developer.key)")
        Path key;

        @Option(names = "--state", defaultValue = "${env:AGORA_STATE:-state}",
                description = "the platform's state folder, for the default key (default ${DEFAULT-VALUE})")
        Path state;

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
            Path keyFile = key != null ? key : state.resolve("keys/developer.key");
            if (!Files.isRegularFile(keyFile)) {
                System.err.println("no key file " + keyFile + " (--key, or --state of a platform started by ./agora run)");
                return 2;
            }
            FunctionPublisher publisher = new FunctionPublisher(url, SignIn.token(url, KeyFiles.read(keyFile)), System.err);
            JsonNode version = publisher.publish(project);
            System.err.println("published " + project.name() + " version " + version.path("version").asInt() + " ("
                    + version.path("bundleCid").asText() + ", " + version.path("bundleBytes").asLong() + " bytes)");
            JsonNode deployment = publisher.deploy(project, version.path("version").asInt());
            publisher.awaitActive(project.name(), deployment.path("id").asText(), wait);
            System.out.println(publisher.callUrl(project.name()));
            return 0;
        }
    }
}
