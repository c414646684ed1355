package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.protocol.invocation.InvocationOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile Java function of the {@code jvm} runtime looks for the host's files, cold and warm: it walks {@code /usr},
 * {@code /lib}, {@code /lib64}, {@code /etc/alternatives} and {@code /etc} and tries to read files that exist on the
 * host under them (the host's {@code /usr/bin/env} and {@code apt}, the host JDK's own files, its
 * {@code /etc/java-*} configuration, {@code /etc/os-release}). It must find none: the image holds only its linked
 * runtime, busybox, its own {@code /etc} and its copies of the libraries the JDK loads.
 *
 * <p>With the host's {@code /usr}, {@code /lib}, {@code /lib64}, {@code /etc/alternatives}, JDK and
 * {@code /etc/java-*} bind-mounted read-only again (as the runtime once did; added back in {@code OciSpec.render} by
 * hand), this test fails: the function reads every probe and lists the host's {@code /usr}.
 */
class JvmFunctionSeesNoHostFilesTest {

    static final String PROBE = """
            import java.io.*;
            import java.nio.file.*;
            import java.util.stream.*;
            public class Main {
                public static void main(String[] args) throws Exception {
                    StringBuilder out = new StringBuilder("java.home " + System.getProperty("java.home") + "\\n");
                    for (String root : new String[] {"/usr", "/lib", "/lib64", "/etc/alternatives", "/etc"}) {
                        Path top = Path.of(root);
                        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
                            out.append("absent ").append(root).append('\\n');
                            continue;
                        }
                        try (Stream<Path> walk = Files.walk(top)) {
                            walk.limit(2000).forEach(p -> out.append(Files.isSymbolicLink(p) ? "link "
                                    : Files.isDirectory(p) ? "dir " : "file ").append(p).append('\\n'));
                        } catch (IOException | UncheckedIOException e) {
                            out.append("unlisted ").append(root).append(' ').append(e).append('\\n');
                        }
                    }
                    for (String probe : "@PROBES@".split(",")) {
                        try {
                            int length = Files.readAllBytes(Path.of(probe)).length;
                            out.append("READ ").append(probe).append(' ').append(length).append('\\n');
                        } catch (Exception e) {
                            out.append("denied ").append(probe).append(' ').append(e.getClass().getSimpleName()).append('\\n');
                        }
                    }
                    System.out.print(out);
                }
            }
            """;

    @TempDir
    Path data;
    Path bundle;
    RuncRuntime runtime;

    @BeforeEach
    void start() {
        runtime = new RuncRuntime(RuncSettings.under(data, "agora-test-" + UUID.randomUUID().toString().substring(0, 8))
                .withRuntimesDir(JvmRuntimeTest.RUNTIMES).withWarmPool(2, Duration.ofMinutes(1)), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtime.awaitRemovals(); // removals run after the answer
        assertThat(runtime.containers()).isEmpty();
    }

    /** Files of the host the function must not see, each checked to exist on this host. */
    static List<String> probes() throws IOException {
        Path jdk = Path.of(System.getProperty("java.home")).toRealPath();
        List<String> probes = new ArrayList<>(List.of("/usr/bin/env", jdk.resolve("release").toString(),
                jdk.resolve("lib/server/libjvm.so").toString(), jdk.resolve("bin/java").toString(), "/etc/os-release"));
        for (String optional : List.of("/usr/bin/apt", "/etc/alternatives/java", "/usr/share/doc/libc6/copyright")) {
            if (Files.exists(Path.of(optional))) {
                probes.add(optional);
            }
        }
        try (Stream<Path> etc = Files.list(Path.of("/etc"))) {
            etc.filter(p -> p.getFileName().toString().startsWith("java-")).map(p -> p.resolve("security/java.security"))
                    .filter(Files::exists).findFirst().ifPresent(p -> probes.add(p.toString()));
        }
        assertThat(probes).allMatch(p -> Files.isReadable(Path.of(p)));
        return probes;
    }

    @Test
    void aJavaFunctionSeesNoneOfTheHostsUsrLibOrEtcFilesColdOrWarm() throws IOException {
        List<String> probes = probes();
        bundle = Files.createDirectories(data.resolve("bundle"));
        Files.writeString(bundle.resolve("Main.java"), PROBE.replace("@PROBES@", String.join(",", probes)));
        FunctionSpec function = new FunctionSpec("jvm", bundle, List.of("java", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "/function/Main.java"));
        Workload workload = new Workload(UUID.randomUUID(), RuncRuntimeTest.CONSUMER,
                new Limits(256, 1000, 128, Duration.ofSeconds(60)));

        for (int call = 0; call < 2; call++) {
            InvocationResult result = runtime.invoke(workload, function, new InvocationRequest(UUID.randomUUID(),
                    new byte[0], Map.of()));
            assertThat(result.outcome()).as(result.stderr()).isEqualTo(InvocationOutcome.OK);
            assertThat(result.warm()).isEqualTo(call == 1);
            List<String> lines = new String(result.stdout(), StandardCharsets.UTF_8).lines().toList();
            Set<Path> copied = Files.readAllLines(JvmRuntimeTest.RUNTIMES.resolve("jvm/image/host-files")).stream()
                    .map(Path::of).collect(Collectors.toSet());

            assertThat(lines).contains("java.home " + JvmImage.JAVA_HOME);
            assertThat(lines).as("no host file is readable").noneMatch(l -> l.startsWith("READ "));
            for (String probe : probes) {
                assertThat(lines).as("the host's " + probe + " does not exist in the container")
                        .contains("denied " + probe + " NoSuchFileException");
            }
            List<String> hostEntries = lines.stream()
                    .filter(l -> l.matches("(file|link) /(usr|lib|lib64|etc/alternatives)/.*"))
                    .filter(l -> !copied.contains(Path.of(l.substring(l.indexOf(' ') + 1))))
                    .toList();
            assertThat(hostEntries).as("under /usr, /lib*, /etc/alternatives: only the image's copies of the JDK's libraries")
                    .isEmpty();
            assertThat(lines.stream().filter(l -> l.startsWith("dir /usr") || l.startsWith("dir /lib")).toList())
                    .as("no directory of the host's /usr: only parents of the copied libraries")
                    .allMatch(l -> copied.stream().anyMatch(c -> c.startsWith(Path.of(l.substring(4)))));
            assertThat(lines).contains("absent /etc/alternatives");
            if (copied.stream().noneMatch(c -> c.startsWith("/usr"))) {
                assertThat(lines).contains("absent /usr");
            }
            assertThat(lines.stream().filter(l -> l.matches("(file|link|dir) /etc/.*")).toList())
                    .as("/etc holds the image's own files and the container's passwd and group")
                    .containsExactlyInAnyOrder("file /etc/passwd", "file /etc/group", "file /etc/nsswitch.conf",
                            "file /etc/hosts");
        }
    }
}
