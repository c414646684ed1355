package cloud.agora.functions.domain.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.functions.Bundles;
import org.junit.jupiter.api.Test;

class BundleInspectorTest {

    final BundleInspector inspector = new BundleInspector(64 * 1024, 1024 * 1024, 100);

    @Test
    void acceptsFilesDirectoriesAndLinksThatStayInside() {
        byte[] bundle = Bundles.tar().dir("./").file("./handler.sh", "echo hi\n").dir("lib").file("lib/a.sh", "a")
                .symlink("lib/b.sh", "a.sh").symlink("up", "lib/../handler.sh").hardlink("copy.sh", "lib/a.sh").gz();
        BundleInspector.Summary summary = inspector.inspect(bundle, "handler.sh");
        assertThat(summary.files()).isEqualTo(3);
        assertThat(summary.unpackedBytes()).isEqualTo(9);
        assertThat(summary.bytes()).isEqualTo(bundle.length);
    }

    @Test
    void refusesPathTraversalAndAbsolutePaths() {
        refused(Bundles.tar().file("handler.sh", "x").file("../evil.sh", "x").gz(), "'../evil.sh'");
        refused(Bundles.tar().file("handler.sh", "x").file("lib/../../evil.sh", "x").gz(), "'lib/../../evil.sh'");
        refused(Bundles.tar().file("/etc/cron.d/evil", "x").file("handler.sh", "x").gz(), "'/etc/cron.d/evil'");
    }

    @Test
    void refusesLinksLeavingTheBundle() {
        refused(Bundles.tar().file("handler.sh", "x").symlink("passwd", "/etc/passwd").gz(), "points outside");
        refused(Bundles.tar().file("handler.sh", "x").symlink("lib/up", "../../etc").gz(), "points outside");
        refused(Bundles.tar().file("handler.sh", "x").hardlink("h", "/etc/shadow").gz(), "points outside");
        refused(Bundles.tar().file("handler.sh", "x").hardlink("h", "missing").gz(), "earlier file");
    }

    @Test
    void refusesEntriesWrittenThroughALink() {
        // "d -> ." stays inside, but "d/x" would be written wherever d points when unpacked
        refused(Bundles.tar().file("handler.sh", "x").symlink("d", ".").file("d/x", "x").gz(), "under the link 'd'");
    }

    @Test
    void refusesSpecialFilesMissingEntrypointAndGarbage() {
        refused(Bundles.tar().file("handler.sh", "x").fifo("pipe").gz(), "FIFO");
        refused(Bundles.tar().file("main.sh", "x").gz(), "entrypoint 'handler.sh'");
        refused(Bundles.tar().symlink("handler.sh", "other.sh").file("other.sh", "x").gz(), "entrypoint");
        refused("not gzip".getBytes(), "not a readable tar.gz");
        refused(new byte[0], "required");
    }

    @Test
    void refusesOversizedBundlesAndGzipBombs() {
        byte[] random = new byte[70 * 1024];
        new java.util.Random(1).nextBytes(random);
        assertThatThrownBy(() -> inspector.inspect(Bundles.tar().file("handler.sh", random).gz(), "handler.sh"))
                .isInstanceOf(BundleTooLargeException.class).hasMessageContaining("at most 65536");
        byte[] zeros = new byte[2 * 1024 * 1024];
        byte[] bomb = Bundles.tar().file("handler.sh", zeros).gz();
        assertThat(bomb.length).isLessThan(64 * 1024);
        assertThatThrownBy(() -> inspector.inspect(bomb, "handler.sh"))
                .isInstanceOf(BundleTooLargeException.class).hasMessageContaining("unpacks to more than");
    }

    void refused(byte[] bundle, String detail) {
        assertThatThrownBy(() -> inspector.inspect(bundle, "handler.sh"))
                .isInstanceOf(InvalidBundleException.class).hasMessageContaining(detail);
    }
}
