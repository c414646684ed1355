package cloud.agora.functions.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import cloud.agora.functions.Bundles;
import cloud.agora.oci.ImageArchive;
import cloud.agora.oci.LayerTar;
import cloud.agora.testsupport.KafkaResource;
import cloud.agora.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every class of bad input gets an RFC 9457 problem and leaves database and storage as they were. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(StorageGatewayStub.class)
@QuarkusTestResource(MarketplaceStub.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(GatewayKeyResource.class)
class FunctionBadInputTest {

    @Inject
    AgroalDataSource dataSource;

    Developer dev;
    String name;

    @org.junit.jupiter.api.BeforeEach
    void developer() {
        dev = Developer.signedIn();
        name = "bad-" + UUID.randomUUID().toString().substring(0, 8);
    }

    Map<String, Object> specWith(String field, Object value) {
        Map<String, Object> spec = Developer.spec(name);
        spec.put(field, value);
        return spec;
    }

    void refused(Object spec, byte[] bundle, int status, String type, String detail) {
        List<Long> before = Rows.counts(dataSource);
        String json = spec instanceof String s ? s : Developer.Json.write(spec);
        dev.publish(json, bundle).statusCode(status).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:" + type)).body("status", equalTo(status))
                .body("title", notNullValue()).body("detail", containsString(detail))
                .body("instance", equalTo("/api/v1/functions"));
        assertThat(Rows.counts(dataSource)).as("functions, versions, env rows, stored objects").isEqualTo(before);
    }

    @Test
    void invalidNamesAreRefused() {
        for (String bad : List.of("A-upper", "1starts-with-digit", "x", "ends-", "has_underscore", "has space", "dots.in",
                "../etc", "a".repeat(64), "")) {
            refused(specWith("name", bad), Bundles.echo(), 400, "invalid-function-spec", "name must be");
        }
        Map<String, Object> noName = Developer.spec(name);
        noName.remove("name");
        refused(noName, Bundles.echo(), 400, "invalid-function-spec", "got nothing");
    }

    @Test
    void unknownOrMissingRuntimeIsRefused() {
        refused(specWith("runtime", "cobol"), Bundles.echo(), 400, "unknown-runtime", "'cobol' is not known (known: shell, jvm, image)");
        Map<String, Object> none = Developer.spec(name);
        none.remove("runtime");
        refused(none, Bundles.echo(), 400, "invalid-function-spec", "runtime is required");
    }

    @Test
    void limitsOutOfBoundsAreRefused() {
        refused(specWith("memoryMiB", 8192), Bundles.echo(), 400, "invalid-function-spec", "memoryMiB must be between 16 and 4096");
        refused(specWith("memoryMiB", 0), Bundles.echo(), 400, "invalid-function-spec", "memoryMiB");
        refused(specWith("cpuMillis", 5), Bundles.echo(), 400, "invalid-function-spec", "cpuMillis");
        refused(specWith("timeoutMillis", 600_000), Bundles.echo(), 400, "invalid-function-spec", "timeoutMillis");
        refused(specWith("maxConcurrency", 0), Bundles.echo(), 400, "invalid-function-spec", "maxConcurrency");
        refused(specWith("entrypoint", "../handler.sh"), Bundles.echo(), 400, "invalid-function-spec", "entrypoint");
        refused(specWith("entrypoint", "/bin/sh"), Bundles.echo(), 400, "invalid-function-spec", "entrypoint");
    }

    static ImageArchive image() {
        return ImageArchive.oci().gzip(true).layer(new LayerTar().dir("app").file("app/server.py", "print('hi')\n"))
                .entrypoint("/usr/bin/python3", "/app/server.py").workingDir("/app");
    }

    @Test
    void anImageIsVerifiedAtPublishAndWhatNoProviderWouldRunIsRefusedWithNothingStored() {
        Map<String, Object> spec = specWith("runtime", "image");
        spec.remove("entrypoint");
        dev.publish(Developer.Json.write(spec), image().bytes()).statusCode(201).body("mode", equalTo("http"))
                .body("command", org.hamcrest.Matchers.empty()).body("entrypoint", equalTo(""));
        refused(spec, image().tamperLayer(0).bytes(), 422, "image-invalid", "layer");
        refused(spec, image().configDigest("sha256:" + "0".repeat(64)).bytes(), 422, "image-invalid", "config");
        refused(spec, image().layer(new LayerTar().file("bin/su", "x".getBytes(), 04755)).bytes(), 422, "image-invalid",
                "setuid");
        refused(spec, image().layer(new LayerTar().charDevice("dev/evil")).bytes(), 422, "image-invalid", "dev/evil");
        byte[] big = new byte[1_200_000];
        new java.util.Random(7).nextBytes(big);
        refused(spec, image().layer(new LayerTar().file("app/big", big, 0644)).bytes(), 413, "image-too-large",
                "functions.max-image-size");
        refused(spec, Bundles.echo(), 422, "image-unsupported", "");
        Map<String, Object> exec = new java.util.HashMap<>(spec);
        exec.put("mode", "exec");
        refused(exec, image().bytes(), 400, "invalid-function-spec", "an image function runs in mode http");
        Map<String, Object> entry = new java.util.HashMap<>(spec);
        entry.put("entrypoint", "server.py");
        refused(entry, image().bytes(), 400, "invalid-function-spec", "no entrypoint in a bundle");
    }

    @Test
    void anUnknownModeOrABadCommandIsRefused() {
        refused(specWith("mode", "websocket"), Bundles.echo(), 400, "invalid-function-spec", "mode must be exec or http");
        refused(specWith("command", List.of()), Bundles.echo(), 400, "invalid-function-spec", "command must be 1 to 64");
        refused(specWith("command", java.util.Collections.nCopies(65, "x")), Bundles.echo(), 400, "invalid-function-spec",
                "command");
        refused(specWith("command", List.of("sh", "a\u0000b")), Bundles.echo(), 400, "invalid-function-spec", "without NUL");
    }

    @Test
    void badEnvironmentIsRefused() {
        refused(specWith("env", List.of(Map.of("name", "1BAD", "value", "x", "secret", false))), Bundles.echo(), 400,
                "invalid-function-spec", "env names");
        refused(specWith("env", List.of(Map.of("name", "AGORA_LEASE", "value", "x", "secret", false))), Bundles.echo(), 400,
                "invalid-function-spec", "reserved");
        refused(specWith("env", List.of(Map.of("name", "A", "value", "x", "secret", true),
                Map.of("name", "A", "value", "y", "secret", false))), Bundles.echo(), 400, "invalid-function-spec", "twice");
        refused(specWith("env", List.of(Map.of("name", "A", "value", "x".repeat(5000), "secret", true))), Bundles.echo(), 400,
                "invalid-function-spec", "at most 4096");
    }

    @Test
    void malformedSpecsAreInvalidBodies() {
        refused(specWith("colour", "blue"), Bundles.echo(), 400, "invalid-body", "colour");
        refused(specWith("memoryMiB", "lots"), Bundles.echo(), 400, "invalid-body", "memoryMiB");
        refused("{\"name\": ", Bundles.echo(), 400, "invalid-body", "JSON");
        refused(" ", Bundles.echo(), 400, "invalid-function-spec", "'spec'");
    }

    @Test
    void maliciousBundlesAreRefused() {
        refused(Developer.spec(name), Bundles.tar().file("handler.sh", "x").file("../../etc/cron.d/evil", "x").gz(), 400,
                "invalid-bundle", "'../../etc/cron.d/evil' is not a relative path");
        refused(Developer.spec(name), Bundles.tar().file("/etc/passwd", "x").file("handler.sh", "x").gz(), 400,
                "invalid-bundle", "'/etc/passwd'");
        refused(Developer.spec(name), Bundles.tar().file("handler.sh", "x").symlink("root", "/").gz(), 400,
                "invalid-bundle", "link 'root' -> '/' points outside the bundle");
        refused(Developer.spec(name), Bundles.tar().file("handler.sh", "x").symlink("lib/up", "../../..").gz(), 400,
                "invalid-bundle", "points outside the bundle");
        refused(Developer.spec(name), Bundles.tar().file("handler.sh", "x").symlink("d", ".").file("d/x", "x").gz(), 400,
                "invalid-bundle", "under the link");
        refused(Developer.spec(name), Bundles.tar().file("handler.sh", "x").hardlink("shadow", "/etc/shadow").gz(), 400,
                "invalid-bundle", "outside the bundle");
        refused(Developer.spec(name), Bundles.tar().file("main.sh", "x").gz(), 400, "invalid-bundle", "entrypoint");
        refused(Developer.spec(name), "not a tarball".getBytes(), 400, "invalid-bundle", "not a readable tar.gz");
        refused(Developer.spec(name), null, 400, "invalid-bundle", "required");
    }

    @Test
    void oversizedBundlesAreRefused() {
        byte[] noise = new byte[80 * 1024];
        new Random(7).nextBytes(noise);
        refused(Developer.spec(name), Bundles.tar().file("handler.sh", "x").file("noise", noise).gz(), 413,
                "bundle-too-large", "at most 65536 are accepted");
    }

    @Test
    void aStorageFailureRecordsNothing() {
        StorageGatewayStub.DOWN.set(true);
        try {
            refused(Developer.spec(name), Bundles.echo(), 502, "storage-unavailable", "HTTP 503");
        } finally {
            StorageGatewayStub.DOWN.set(false);
        }
    }

    @Test
    void unknownFunctionsAndVersionsAreProblems() {
        dev.get("/api/v1/functions/" + name).statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:function-not-found")).body("function", equalTo(name));
        dev.get("/api/v1/functions/" + name + "/versions").statusCode(404)
                .body("type", equalTo("urn:agora:problem:function-not-found"));
        List<Long> before = Rows.counts(dataSource);
        dev.delete("/api/v1/functions/" + name).statusCode(404).body("type", equalTo("urn:agora:problem:function-not-found"));
        assertThat(Rows.counts(dataSource)).isEqualTo(before);
    }
}
