package cloud.agora.support.openapi;

import cloud.agora.support.problem.PlatformProblem;
import cloud.agora.support.problem.Problem;
import cloud.agora.support.problem.ProblemKind;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.objectweb.asm.Type;

/**
 * The contract between a service's OpenAPI document and its code, checked by each service's
 * {@code OpenApiContractTest} (in the test JVM, against the running service's {@code /q/openapi}).
 *
 * <p>What the code says is read from the code itself, not from the declarations that made the document: the JAX-RS
 * resource methods of the platform's classes (reflection), and for each the problems it can answer — what it and
 * everything it calls in the platform's code construct ({@link ProblemSites#reachableFrom}), what the request
 * filters bound to it construct ({@code @SignedIn}'s), what converting its parameters can throw (an address),
 * {@code invalid-body} when it reads a body, and what the catch-all exception mapper answers. {@link #disagreements}
 * lists, in words, every operation missing from either side and every problem type (or, where the code computes the
 * type, status) one side has and the other has not. Test-side code: it reads the class path with ASM, which only the
 * build and the tests have.
 */
public final class OpenApiContract {

    private static final String PLATFORM = "cloud/agora/";

    private final JsonNode document;
    private final ClassLoader loader;
    private final List<String> packages;
    private final List<Route> routes = new ArrayList<>();

    /** A route outside JAX-RS that the document declares, and the method handling it. */
    private record Route(String verb, String path, Class<?> owner, String method, String descriptor) {
    }

    /**
     * @param document the service's OpenAPI document (JSON)
     * @param loader   the service's class loader
     * @param packages the packages whose resources the service serves ({@code cloud.agora.marketplace},
     *                 {@code cloud.agora.support})
     */
    public OpenApiContract(JsonNode document, ClassLoader loader, String... packages) {
        this.document = document;
        this.loader = loader;
        this.packages = List.of(packages);
    }

    /** Also checks a route served outside JAX-RS, handled by {@code owner.method(descriptor)}. */
    public OpenApiContract route(String verb, String path, Class<?> owner, String method, String descriptor) {
        routes.add(new Route(verb, path, owner, method, descriptor));
        return this;
    }

    private record Moved(Class<? extends Annotation> binding, int from, int to) {
    }

    private final List<Moved> moved = new ArrayList<>();

    /**
     * On the endpoints bound to {@code binding}, a response filter answers status {@code from} as {@code to} (the
     * Pinning Service API's 402 as 409).
     */
    public OpenApiContract moved(Class<? extends Annotation> binding, int from, int to) {
        moved.add(new Moved(binding, from, to));
        return this;
    }

    /** Every way the document and the code disagree; empty when they agree. */
    public List<String> disagreements() {
        List<String> classes = platformClasses();
        ProblemSites sites = new ProblemSites(loader, classes);
        for (Class<?> c : load(classes)) {
            for (Method m : c.getDeclaredMethods()) {
                Class<?> exception = m.getParameterCount() == 0 ? null : m.getParameterTypes()[0];
                if (annotation(m, "org.jboss.resteasy.reactive.server.ServerExceptionMapper") != null
                        && exception.getName().startsWith("cloud.agora.") && !sites.isMapped(Type.getInternalName(exception))
                        && !sites.isProblem(Type.getInternalName(exception))) {
                    Set<ProblemKind> kinds = new LinkedHashSet<>();
                    sites.reachableFrom(c, m.getName(), Type.getMethodDescriptor(m)).forEach(b -> kinds.add(b.kind()));
                    sites.mapped(exception.getName(), kinds);
                }
            }
        }
        Map<String, Set<ProblemKind>> code = new TreeMap<>();
        Map<String, String> handlers = new HashMap<>();
        Map<String, Map<ProblemKind, ProblemSites.Built>> origins = new HashMap<>();
        Set<ProblemKind> catchAll = catchAll(sites, classes);
        for (Class<?> resource : resources(classes)) {
            Annotation classPath = annotation(resource, "jakarta.ws.rs.Path");
            for (Method method : resource.getDeclaredMethods()) {
                String verb = verb(method);
                if (verb == null || method.isSynthetic() || method.isBridge()) {
                    continue;
                }
                Annotation methodPath = annotation(method, "jakarta.ws.rs.Path");
                String key = verb + " " + ProblemResponsesFilter.join(value(classPath), methodPath == null ? "" : value(methodPath));
                Set<ProblemKind> kinds = new LinkedHashSet<>(catchAll);
                Map<ProblemKind, ProblemSites.Built> from = origins.computeIfAbsent(key, k -> new HashMap<>());
                sites.reachableFrom(resource, method.getName(), Type.getMethodDescriptor(method)).forEach(b -> {
                    kinds.add(b.kind());
                    from.putIfAbsent(b.kind(), b);
                });
                kinds.addAll(filtersOf(sites, classes, resource, method));
                for (Moved moved : this.moved) {
                    if (annotation(resource, moved.binding.getName()) != null || annotation(method, moved.binding.getName()) != null) {
                        for (ProblemKind kind : List.copyOf(kinds)) {
                            if (kind.status() == moved.from) {
                                kinds.remove(kind);
                                kinds.add(new ProblemKind(moved.to, kind.slug(), kind.title()));
                            }
                        }
                    }
                }
                for (Parameter p : method.getParameters()) {
                    if (p.getAnnotations().length == 0 && !p.getType().getName().startsWith("jakarta.ws.rs.")) {
                        kinds.add(ProblemKind.of(PlatformProblem.INVALID_BODY));
                    } else if (p.getType().getName().startsWith("cloud.agora.")
                            && annotation(p, "jakarta.ws.rs.core.Context") == null) {
                        kinds.addAll(conversions(sites, p.getType()));
                    }
                }
                code.put(key, kinds);
                handlers.put(key, resource.getSimpleName() + "." + method.getName());
            }
        }
        for (Route route : routes) {
            String key = route.verb + " " + route.path;
            // no JAX-RS exception mapper stands behind a route: only what it builds itself is answered
            Set<ProblemKind> kinds = new LinkedHashSet<>();
            Map<ProblemKind, ProblemSites.Built> from = origins.computeIfAbsent(key, k -> new HashMap<>());
            sites.reachableFrom(route.owner, route.method, route.descriptor).forEach(b -> {
                if (!sites.isMapped(b.exception())) {
                    kinds.add(b.kind());
                    from.putIfAbsent(b.kind(), b);
                }
            });
            code.put(key, kinds);
            handlers.put(key, route.owner.getSimpleName() + "." + route.method);
        }

        List<String> disagreements = new ArrayList<>();
        Map<String, Map<Integer, Set<String>>> documented = documented();
        for (String operation : code.keySet()) {
            if (!documented.containsKey(operation)) {
                disagreements.add(operation + " (" + handlers.get(operation) + ") is not in the document");
            }
        }
        for (String operation : documented.keySet()) {
            if (!code.containsKey(operation)) {
                disagreements.add(operation + " is in the document but no resource method or route serves it");
            }
        }
        for (Map.Entry<String, Set<ProblemKind>> entry : code.entrySet()) {
            Map<Integer, Set<String>> declared = documented.get(entry.getKey());
            if (declared == null) {
                continue;
            }
            String where = entry.getKey() + " (" + handlers.get(entry.getKey()) + ")";
            Map<Integer, Set<String>> answered = new TreeMap<>();
            for (ProblemKind kind : entry.getValue()) {
                Set<String> types = answered.computeIfAbsent(kind.status(), s -> new TreeSet<>());
                if (kind.type() != null) {
                    types.add(kind.type());
                }
                ProblemSites.Built built = origins.getOrDefault(entry.getKey(), Map.of()).get(kind);
                String origin = built == null ? "" : " (" + origin(built) + ")";
                if (kind.status() == 0) {
                    disagreements.add(where + " can answer a problem whose status the code computes (" + kind
                            + origin + "): build it from constants");
                } else if (!declared.containsKey(kind.status())) {
                    disagreements.add(where + " can answer " + kind + origin + " but declares no problem response "
                            + kind.status());
                } else if (kind.type() != null && !declared.get(kind.status()).isEmpty()
                        && !declared.get(kind.status()).contains(kind.type())) {
                    disagreements.add(where + " can answer " + kind + origin + " but does not declare it");
                }
            }
            declared.forEach((status, types) -> {
                if (!answered.containsKey(status)) {
                    disagreements.add(where + " declares problem response " + status + " " + types
                            + " that its code never answers");
                    return;
                }
                for (String type : types) {
                    if (!answered.get(status).contains(type)) {
                        disagreements.add(where + " declares " + status + " " + type + " that its code never answers");
                    }
                }
            });
        }
        return disagreements;
    }

    private static String origin(ProblemSites.Built built) {
        return (built.exception() == null ? "" : built.exception().substring(built.exception().lastIndexOf('/') + 1)
                .replace('$', '.') + " ") + "built in " + built.where();
    }

    /** Operation ("VERB /path") → status → the problem types declared (empty: any type, the document leaves it open). */
    private Map<String, Map<Integer, Set<String>>> documented() {
        Map<String, Map<Integer, Set<String>>> operations = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String verb = op.getKey().toUpperCase();
                if (!ProblemResponsesFilter.VERBS.contains(verb)) {
                    continue;
                }
                Map<Integer, Set<String>> problems = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> responses = op.getValue().path("responses").fields();
                        responses.hasNext(); ) {
                    Map.Entry<String, JsonNode> response = responses.next();
                    JsonNode media = response.getValue().path("content").path(Problem.MEDIA_TYPE);
                    JsonNode listed = response.getValue().path(ProblemResponsesFilter.TYPES_EXTENSION);
                    if (media.isMissingNode() && listed.isMissingNode()) {
                        continue;
                    }
                    Set<String> types = new TreeSet<>();
                    media.path("schema").path("allOf").forEach(part -> part.path("properties").path("type")
                            .path("enum").forEach(t -> types.add(t.asText())));
                    listed.forEach(t -> types.add(t.asText()));
                    problems.put(Integer.parseInt(response.getKey()), types);
                }
                operations.put(verb + " " + path.getKey(), problems);
            }
        }
        return operations;
    }

    /** What the catch-all exception mapper (of {@code Throwable}) answers: any operation may end there. */
    private Set<ProblemKind> catchAll(ProblemSites sites, List<String> classes) {
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        for (Class<?> c : load(classes)) {
            for (Method m : c.getDeclaredMethods()) {
                if (annotation(m, "org.jboss.resteasy.reactive.server.ServerExceptionMapper") != null
                        && m.getParameterCount() > 0 && m.getParameterTypes()[0] == Throwable.class) {
                    sites.reachableFrom(c, m.getName(), Type.getMethodDescriptor(m)).forEach(b -> kinds.add(b.kind()));
                }
            }
        }
        return kinds;
    }

    /** What the request filters bound by name to the method ({@code @SignedIn}'s) construct. */
    private Set<ProblemKind> filtersOf(ProblemSites sites, List<String> classes, Class<?> resource, Method method) {
        Set<String> bindings = new HashSet<>();
        for (Annotation a : Stream.concat(Stream.of(resource.getAnnotations()), Stream.of(method.getAnnotations())).toList()) {
            if (annotation(a.annotationType(), "jakarta.ws.rs.NameBinding") != null) {
                bindings.add(a.annotationType().getName());
            }
        }
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        if (bindings.isEmpty()) {
            return kinds;
        }
        for (Class<?> c : load(classes)) {
            boolean bound = Stream.of(c.getAnnotations()).anyMatch(a -> bindings.contains(a.annotationType().getName()));
            if (bound && Stream.of(c.getInterfaces()).anyMatch(i -> i.getName().equals("jakarta.ws.rs.container.ContainerRequestFilter"))) {
                for (Method m : c.getDeclaredMethods()) {
                    if (m.getName().equals("filter") && !m.isSynthetic()) {
                        sites.reachableFrom(c, m.getName(), Type.getMethodDescriptor(m)).forEach(b -> kinds.add(b.kind()));
                    }
                }
            }
        }
        return kinds;
    }

    /** What converting a path, query or header parameter to the platform's type throws (JAX-RS's conversion rules). */
    private static Set<ProblemKind> conversions(ProblemSites sites, Class<?> type) {
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        String string = "(Ljava/lang/String;)";
        sites.reachableFrom(type, "<init>", string + "V").forEach(b -> kinds.add(b.kind()));
        for (String factory : List.of("valueOf", "fromString", "parse")) {
            sites.reachableFrom(type, factory, string + Type.getDescriptor(type)).forEach(b -> kinds.add(b.kind()));
        }
        return kinds;
    }

    private List<Class<?>> resources(List<String> classes) {
        List<Class<?>> resources = new ArrayList<>();
        for (Class<?> c : load(classes)) {
            if (!c.isInterface() && annotation(c, "jakarta.ws.rs.Path") != null) {
                resources.add(c);
            }
        }
        return resources;
    }

    private List<Class<?>> loaded;

    private List<Class<?>> load(List<String> classes) {
        if (loaded == null) {
            loaded = new ArrayList<>();
            for (String name : classes) {
                if (packages.stream().noneMatch(p -> name.startsWith(p + "."))) {
                    continue; // only the service's own classes are loaded: test libraries' may clash with the app's
                }
                try {
                    loaded.add(Class.forName(name, false, loader));
                } catch (ClassNotFoundException | LinkageError e) {
                    // a class of an optional feature whose dependency is absent: it serves nothing here
                }
            }
        }
        return loaded;
    }

    /** The platform's main classes on the class path (test classes and stubs are not the service's code). */
    private List<String> platformClasses() {
        Set<String> names = new TreeSet<>();
        for (String element : classPath()) {
            Path path = Path.of(element);
            if (element.contains("test-classes") || element.endsWith("-tests.jar")) {
                continue;
            }
            try {
                if (Files.isDirectory(path)) {
                    Path root = path.resolve(PLATFORM);
                    if (Files.isDirectory(root)) {
                        try (Stream<Path> files = Files.walk(root)) {
                            files.filter(f -> f.toString().endsWith(".class")).forEach(f -> names.add(
                                    className(path.relativize(f).toString().replace('\\', '/'))));
                        }
                    }
                } else if (element.endsWith(".jar") && Files.isRegularFile(path)) {
                    try (JarFile jar = new JarFile(path.toFile())) {
                        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                            String entry = e.nextElement().getName();
                            if (entry.startsWith(PLATFORM) && entry.endsWith(".class")) {
                                names.add(className(entry));
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        names.removeIf(n -> n.endsWith("package-info") || n.endsWith("module-info"));
        return new ArrayList<>(names);
    }

    private static String className(String entry) {
        return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
    }

    /** The JVM's class path, with a manifest-only jar's (Surefire's) Class-Path expanded. */
    private static List<String> classPath() {
        List<String> elements = new ArrayList<>();
        for (String element : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            elements.add(element);
            if (element.endsWith(".jar")) {
                try (JarFile jar = new JarFile(element)) {
                    String manifestPath = jar.getManifest() == null ? null
                            : jar.getManifest().getMainAttributes().getValue("Class-Path");
                    if (manifestPath != null) {
                        for (String url : manifestPath.split(" ")) {
                            if (!url.isBlank()) {
                                elements.add(Path.of(java.net.URI.create(url)).toString());
                            }
                        }
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // not a jar we can read: nothing of the platform in it
                }
            }
        }
        return elements;
    }

    private static String verb(Method method) {
        for (String verb : ProblemResponsesFilter.VERBS) {
            if (annotation(method, "jakarta.ws.rs." + verb) != null) {
                return verb;
            }
        }
        return null;
    }

    private static Annotation annotation(java.lang.reflect.AnnotatedElement element, String type) {
        for (Annotation a : element.getAnnotations()) {
            if (a.annotationType().getName().equals(type)) {
                return a;
            }
        }
        return null;
    }

    private static String value(Annotation a) {
        try {
            return (String) a.annotationType().getMethod("value").invoke(a);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
