package cloud.agora.agent.runtime.runc;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.runtime.Limits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The container's cgroup settings in the OCI spec: only those runc 1.1 applies on cgroup v1 and v2 alike. */
class OciSpecTest {

    static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void setsOnlyLimitsThatRuncTranslatesForCgroupV2() throws Exception {
        String json = OciSpec.render(Path.of("/rootfs"), Path.of("/bundle"), List.of("/bin/true"), Map.of(),
                new Limits(64, 250, 32, Duration.ofSeconds(10)), "/agora/agora-test-1", 64, true, 0x70000000, Path.of("/id"), "/tmp");
        JsonNode linux = new ObjectMapper().readTree(json).path("linux");
        JsonNode resources = linux.path("resources");

        assertThat(linux.path("cgroupsPath").asText()).isEqualTo("/agora/agora-test-1");
        assertThat(fields(resources)).containsExactlyInAnyOrder("memory", "cpu", "pids", "devices");
        assertThat(fields(resources.path("memory"))).containsExactlyInAnyOrder("limit", "swap");
        assertThat(resources.path("memory").path("swap").asLong()).as("memory+swap = memory: memory.swap.max 0 on v2")
                .isEqualTo(resources.path("memory").path("limit").asLong()).isEqualTo(64L * 1024 * 1024);
        assertThat(fields(resources.path("cpu"))).containsExactlyInAnyOrder("quota", "period");
        assertThat(resources.path("cpu").path("quota").asLong()).isEqualTo(25_000);
        assertThat(resources.path("pids").path("limit").asInt()).isEqualTo(32);

        JsonNode cgroupMount = null;
        for (JsonNode mount : new ObjectMapper().readTree(json).path("mounts")) {
            if (mount.path("destination").asText().equals("/sys/fs/cgroup")) {
                cgroupMount = mount;
            }
        }
        assertThat(cgroupMount).isNotNull();
        assertThat(cgroupMount.path("type").asText()).as("runc mounts cgroup2 for it on a v2 host").isEqualTo("cgroup");
    }

    @Test
    void bindMountsNothingOfTheHostButTheBundleAndTheContainersIdentity() throws Exception {
        for (boolean jvm : List.of(false, true)) {
            String json = OciSpec.render(Path.of("/rootfs"), Path.of("/bundle"), List.of("/bin/true"), Map.of(),
                    new Limits(64, 250, 32, Duration.ofSeconds(10)), "/agora/agora-test-1", 64, jvm, 0x70000000, Path.of("/id"), "/tmp");
            List<String> binds = new ArrayList<>();
            for (JsonNode mount : new ObjectMapper().readTree(json).path("mounts")) {
                if (mount.path("type").asText().equals("bind")) {
                    binds.add(mount.path("source").asText() + " -> " + mount.path("destination").asText());
                }
            }
            assertThat(binds).containsExactlyInAnyOrder("/bundle -> /function", "/id/passwd -> /etc/passwd",
                    "/id/group -> /etc/group");
        }
    }
}
