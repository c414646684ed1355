package cloud.agora.cli.fn;

import java.util.Arrays;
import java.util.Optional;

/** The languages {@code fn init} has a template for, each with the way {@code fn build} packs it. */
enum Language {
    /** A plain JDK {@code com.sun.net.httpserver} server, built with Maven, in a jlink'ed runtime. */
    JAVA("java", true),
    /** A Quarkus REST application ({@code target/quarkus-app}), built with Maven, in a jlink'ed runtime. */
    QUARKUS("quarkus", true),
    /** A Node.js {@code http} server on the host's Node.js. */
    NODE("node", true),
    /** A Python {@code http.server} on Debian's Python. */
    PYTHON("python", true),
    /** An exec-mode {@code handler.sh} in the provider's shell runtime: a tar.gz bundle, no image. */
    SHELL("shell", false);

    private final String id;
    private final boolean image;

    Language(String id, boolean image) {
        this.id = id;
        this.image = image;
    }

    /** The name in {@code fn init <language>}, the template folder and {@code agora.json}. */
    String id() {
        return id;
    }

    /** Whether the function is shipped as an OCI image ({@code runtime: "image"}) rather than a bundle. */
    boolean image() {
        return image;
    }

    static Optional<Language> byId(String id) {
        return Arrays.stream(values()).filter(l -> l.id.equals(id)).findFirst();
    }

    static String known() {
        return String.join(", ", Arrays.stream(values()).map(Language::id).toList());
    }
}
