package cloud.agora.agent.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.agent.bundle.BundleStore;
import cloud.agora.agent.bundle.CidFetcher;
import cloud.agora.agent.gateway.GrantRejectedException;
import cloud.agora.agent.image.ImageStore;
import cloud.agora.agent.problem.RejectedException;
import cloud.agora.oci.ImageRejectedException;
import cloud.agora.protocol.invocation.GrantVerifier;
import cloud.agora.testsupport.KafkaResource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * The agent's OpenAPI document ({@code /q/openapi}) is its contract: every operation its JAX-RS resources serve is in
 * it with its path and verb and nothing else is; every problem the agent's code builds is declared in its responses at
 * its status and nothing is declared that the code never builds.
 *
 * <p>What the code serves is read from the resource classes (reflection); what it builds from its bytecode (ASM): each
 * construction of a {@link RejectedException} and each {@code Problems.response(status, slug, ...)}, with the constants
 * passed, followed one step to the callers in the same class where a helper passes its parameters on. Where the code
 * computes status or slug from a closed set (a grant's reason, a CID fetch's kind, the image checker's problems), the
 * set is read from that code ({@link #CLOSED_SETS}); a problem computed anywhere else fails this test. A problem
 * answered again from a caught one ({@code e.status()}, {@code e.slug()}) is counted where it was built.
 */
@QuarkusTest
@QuarkusTestResource(AgentTestResource.class)
@QuarkusTestResource(KafkaResource.class)
class OpenApiContractTest {

    static final Path CLASSES = Path.of("target", "classes");
    static final String AGENT = "cloud/agora/agent/";
    static final List<String> VERBS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    static final String REJECTED = Type.getInternalName(RejectedException.class);
    static final String PROBLEMS = Type.getInternalName(Problems.class);

    /** "Class.method" computing its problem from a closed set → the problems of that set (status and slug). */
    static final Map<String, Set<String>> CLOSED_SETS = Map.of(
            "GrantRejectedException.<init>", grants(),
            "StorageGrantFilter.filter", grants(),
            "CidFetcher.problem", cidFetches(),
            "ImageStore.refused", imageChecks());

    @Test
    void servesExactlyTheOperationsTheDocumentNames() throws Exception {
        Set<String> served = new TreeSet<>();
        for (Class<?> resource : resources()) {
            String base = pathOf(resource);
            for (Method m : resource.getDeclaredMethods()) {
                String verb = VERBS.stream().filter(v -> annotation(m, "jakarta.ws.rs." + v) != null).findFirst().orElse(null);
                if (verb != null && !m.isSynthetic()) {
                    served.add(verb + " " + join(base, pathOf(m)));
                }
            }
        }
        assertThat(served).as("operations the agent serves").isNotEmpty();
        assertThat(documented().keySet()).as("operations in /q/openapi").containsExactlyInAnyOrderElementsOf(served);
    }

    @Test
    void declaresExactlyTheProblemsTheCodeBuilds() throws Exception {
        List<String> computed = new ArrayList<>();
        Set<String> built = built(computed);
        assertThat(computed).as("problems whose status or slug the code computes outside a known closed set").isEmpty();
        Set<String> declared = new TreeSet<>();
        documented().values().forEach(declared::addAll);
        assertThat(built).as("problems the code builds").contains("404 lease-not-held", "403 grant-forged");
        assertThat(declared).as("problems /q/openapi declares").containsExactlyInAnyOrderElementsOf(built);
        assertThat(documented().get("POST /api/v1/invocations")).as("a call's problems")
                .contains("401 grant-missing", "409 invocation-already-run", "502 bundle-corrupt", "503 runtime-unavailable");
    }

    @Test
    void documentsACallsAnswerAsAnInvocationReplyThoughTheEndpointSendsItsBytes() throws IOException {
        // the endpoint writes the reply's JSON on its worker and returns bytes: the document must still name the type
        JsonNode document = new ObjectMapper().readTree(given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        JsonNode ok = document.path("paths").path("/api/v1/invocations").path("post").path("responses").path("200");
        assertThat(ok.path("content").path("application/json").path("schema").path("$ref").asText())
                .as("the schema of a call's answer").endsWith("/InvocationReply");
        assertThat(document.path("components").path("schemas").path("InvocationReply").path("properties").has("receipt"))
                .as("the answer's schema carries the receipt").isTrue();
    }

    /** Operation ("VERB /path") → the problems ("status slug") its responses declare. */
    Map<String, Set<String>> documented() throws IOException {
        String json = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        JsonNode document = new ObjectMapper().readTree(json);
        Map<String, Set<String>> operations = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String verb = op.getKey().toUpperCase();
                if (!VERBS.contains(verb)) {
                    continue;
                }
                Set<String> problems = new TreeSet<>();
                op.getValue().path("responses").fields().forEachRemaining(response -> response.getValue()
                        .path(ProblemResponsesFilter.TYPES_EXTENSION).forEach(type -> problems.add(response.getKey() + " "
                                + type.asText().substring(ProblemResponsesFilter.TYPE_PREFIX.length()))));
                operations.put(verb + " " + path.getKey(), problems);
            }
        }
        return operations;
    }

    /** Every problem ("status slug") the agent's classes build; where one is computed, its site goes to {@code computed}. */
    static Set<String> built(List<String> computed) throws IOException, AnalyzerException {
        Set<String> kinds = new TreeSet<>();
        Map<String, ClassNode> classes = new java.util.HashMap<>();
        try (Stream<Path> files = Files.walk(CLASSES.resolve(AGENT))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    ClassNode c = new ClassNode();
                    new ClassReader(in).accept(c, 0);
                    classes.put(c.name, c);
                }
            }
        }
        for (ClassNode c : classes.values()) {
            for (MethodNode m : c.methods) {
                Frame<SourceValue>[] frames = new Analyzer<>(new SourceInterpreter()).analyze(c.name, m);
                for (int i = 0; i < m.instructions.size(); i++) {
                    if (!(m.instructions.get(i) instanceof MethodInsnNode call) || frames[i] == null || !builds(call, classes)) {
                        continue;
                    }
                    // a lambda's problems are its enclosing method's (lambda$filter$0 → filter)
                    String site = simpleName(c.name) + "." + m.name.replaceAll("^lambda\\$(.*)\\$\\d+$", "$1");
                    if (m.name.equals("<init>") && isRejected(c.name, classes) && call.owner.equals(c.superName)
                            && passesThrough(frames[i], call, m)) {
                        continue; // a subclass's constructor handing its own arguments up: counted where it is constructed
                    }
                    int base = frames[i].getStackSize() - Type.getArgumentTypes(call.desc).length;
                    List<Object> statuses = values(c, m, frames, frames[i].getStack(base), classes);
                    List<Object> slugs = values(c, m, frames, frames[i].getStack(base + 1), classes);
                    if (statuses.contains(CAUGHT) || slugs.contains(CAUGHT)) {
                        continue;
                    }
                    if (statuses.contains(null) || slugs.contains(null)) {
                        Set<String> closed = CLOSED_SETS.get(site);
                        if (closed == null) {
                            computed.add(site);
                        } else {
                            kinds.addAll(closed);
                        }
                        continue;
                    }
                    for (Object status : statuses) {
                        for (Object slug : slugs) {
                            kinds.add(status + " " + slug);
                        }
                    }
                }
            }
        }
        return kinds;
    }

    /** A value answered again from a caught problem ({@code e.status()}, {@code e.slug()} of a {@link RejectedException}). */
    static final Object CAUGHT = new Object();

    private static boolean builds(MethodInsnNode call, Map<String, ClassNode> classes) {
        return call.name.equals("<init>") && isRejected(call.owner, classes)
                && call.desc.startsWith("(ILjava/lang/String;Ljava/lang/String;")
                || call.owner.equals(PROBLEMS) && call.name.equals("response");
    }

    private static boolean isRejected(String name, Map<String, ClassNode> classes) {
        for (String n = name; n != null; n = classes.containsKey(n) ? classes.get(n).superName : null) {
            if (n.equals(REJECTED)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a super constructor call passes the constructor's own first parameters as status and slug. */
    private static boolean passesThrough(Frame<SourceValue> frame, MethodInsnNode call, MethodNode m) {
        int base = frame.getStackSize() - Type.getArgumentTypes(call.desc).length;
        return isParameter(frame.getStack(base), m) >= 0 && isParameter(frame.getStack(base + 1), m) >= 0;
    }

    /** The constants a value may be: a constant, a parameter resolved at the calls in the same class, or null (computed). */
    private static List<Object> values(ClassNode c, MethodNode m, Frame<SourceValue>[] frames, SourceValue value,
            Map<String, ClassNode> classes) throws AnalyzerException {
        List<Object> out = new ArrayList<>();
        for (AbstractInsnNode insn : value.insns) {
            Object constant = constant(insn);
            int param = isParameter(new SourceValue(1, insn), m);
            if (constant != null) {
                out.add(constant);
            } else if (insn instanceof MethodInsnNode call && call.getOpcode() != Opcodes.INVOKESTATIC
                    && (call.name.equals("status") || call.name.equals("slug")) && call.desc.startsWith("()")
                    && isRejected(call.owner, classes)) {
                out.add(CAUGHT);
            } else if (param >= 0) {
                out.addAll(atCallers(c, m, param, classes));
            } else {
                out.add(null);
            }
        }
        return out.isEmpty() ? java.util.Collections.singletonList(null) : out;
    }

    /** The constants the calls of {@code m} in its own class pass as parameter {@code param}. */
    private static List<Object> atCallers(ClassNode c, MethodNode m, int param, Map<String, ClassNode> classes)
            throws AnalyzerException {
        List<Object> out = new ArrayList<>();
        int count = Type.getArgumentTypes(m.desc).length;
        for (MethodNode caller : c.methods) {
            Frame<SourceValue>[] frames = null;
            for (int j = 0; j < caller.instructions.size(); j++) {
                if (caller.instructions.get(j) instanceof MethodInsnNode call && call.owner.equals(c.name)
                        && call.name.equals(m.name) && call.desc.equals(m.desc)) {
                    frames = frames == null ? new Analyzer<>(new SourceInterpreter()).analyze(c.name, caller) : frames;
                    if (frames[j] != null) {
                        for (AbstractInsnNode insn : frames[j].getStack(frames[j].getStackSize() - count + param).insns) {
                            out.add(constant(insn));
                        }
                    }
                }
            }
        }
        return out.isEmpty() ? java.util.Collections.singletonList(null) : out;
    }

    /** The index of the method parameter a value is loaded from directly, or -1. */
    private static int isParameter(SourceValue value, MethodNode m) {
        if (value.insns.size() != 1 || !(value.insns.iterator().next() instanceof VarInsnNode v)
                || v.getOpcode() < Opcodes.ILOAD || v.getOpcode() > Opcodes.ALOAD) {
            return -1;
        }
        int local = (m.access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
        Type[] params = Type.getArgumentTypes(m.desc);
        for (int p = 0; p < params.length; p++) {
            if (local == v.var) {
                return p;
            }
            local += params[p].getSize();
        }
        return -1;
    }

    private static Object constant(AbstractInsnNode insn) {
        if (insn instanceof LdcInsnNode ldc && (ldc.cst instanceof String || ldc.cst instanceof Integer)) {
            return ldc.cst;
        }
        if (insn instanceof IntInsnNode n && (n.getOpcode() == Opcodes.BIPUSH || n.getOpcode() == Opcodes.SIPUSH)) {
            return n.operand;
        }
        if (insn instanceof InsnNode n && n.getOpcode() >= Opcodes.ICONST_M1 && n.getOpcode() <= Opcodes.ICONST_5) {
            return n.getOpcode() - Opcodes.ICONST_0;
        }
        return null;
    }

    /** Every grant refusal: the grant verifier's reasons at {@link GrantRejectedException#status}. */
    static Set<String> grants() {
        Set<String> kinds = new TreeSet<>();
        for (Field f : GrantVerifier.Rejection.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String reason = (String) read(f, null);
                kinds.add(GrantRejectedException.status(reason) + " " + reason);
            }
        }
        return kinds;
    }

    /** {@code CidFetcher}'s problems for the kinds the agent fetches (its bundle and image stores' {@code Kind}s). */
    static Set<String> cidFetches() {
        Set<String> kinds = new TreeSet<>();
        for (Class<?> store : List.of(BundleStore.class, ImageStore.class)) {
            for (Field f : store.getDeclaredFields()) {
                if (f.getType() == CidFetcher.Kind.class && Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    CidFetcher.Kind kind = (CidFetcher.Kind) read(f, null);
                    kinds.addAll(List.of("422 " + kind.noun() + "-not-available", "502 " + kind.noun() + "-not-available",
                            "502 " + kind.noun() + "-corrupt", "422 " + kind.tooLargeSlug()));
                }
            }
        }
        return kinds;
    }

    /** The image checker's refusals, each answered 422. */
    static Set<String> imageChecks() {
        Set<String> kinds = new TreeSet<>();
        for (ImageRejectedException.Problem p : ImageRejectedException.Problem.values()) {
            kinds.add("422 " + p.slug());
        }
        return kinds;
    }

    private static Object read(Field f, Object target) {
        try {
            return f.get(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The agent's JAX-RS resource classes. */
    List<Class<?>> resources() throws IOException {
        List<Class<?>> resources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CLASSES.resolve(AGENT))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = CLASSES.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                try {
                    Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                    if (!c.isInterface() && annotation(c, "jakarta.ws.rs.Path") != null) {
                        resources.add(c);
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    // not loadable here (an optional driver's dependency): serves nothing
                }
            }
        }
        return resources;
    }

    private static String simpleName(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1).replaceAll("^.*\\$", "");
    }

    private static String pathOf(AnnotatedElement element) {
        Annotation path = annotation(element, "jakarta.ws.rs.Path");
        if (path == null) {
            return "";
        }
        try {
            return (String) path.annotationType().getMethod("value").invoke(path);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String join(String base, String sub) {
        String joined = ("/" + base + "/" + sub).replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    private static Annotation annotation(AnnotatedElement element, String type) {
        for (Annotation a : element.getAnnotations()) {
            if (a.annotationType().getName().equals(type)) {
                return a;
            }
        }
        return null;
    }
}
