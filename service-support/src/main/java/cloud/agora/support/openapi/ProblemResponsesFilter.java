package cloud.agora.support.openapi;

import cloud.agora.support.problem.PlatformProblem;
import cloud.agora.support.problem.Problem;
import cloud.agora.support.problem.ProblemKind;
import cloud.agora.support.problem.ProblemResponses;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.Type;

/**
 * Declares in every service's OpenAPI document the problem responses ({@code application/problem+json}, RFC 9457) of
 * each JAX-RS operation, at build time: for each status a response whose schema is {@code Problem} with the
 * {@code type}s the operation can answer at that status listed as an enum.
 *
 * <p>At a status where the code computes some type (a slug passed on from another library), the schema leaves
 * {@code type} open. The problems are those its method or class declares with {@link ProblemResponses} (read by
 * {@link ProblemSites#kindsOf}: status, slug and title exactly as the exception's code builds them; of a class that
 * stands for several kinds, those the method can build) and those every
 * operation answers by the platform's own rules: {@code 401 unauthenticated} and {@code invalid-token} with
 * {@code @SignedIn}, {@code 400 invalid-body} with a request body, {@code 400 invalid-address} with an address
 * parameter, {@code 500 internal-error} and {@code 503 database-unavailable} always (the catch-all mapper answers them
 * for any request). A route outside JAX-RS declares itself with {@link #declare}.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ProblemResponsesFilter implements OASFilter {

    /** The extension on a problem response listing its problem types (empty: open). */
    public static final String TYPES_EXTENSION = "x-problem-types";

    /** The document's schema of a problem body. */
    public static final String PROBLEM_SCHEMA = "Problem";

    static final DotName PATH = DotName.createSimple("jakarta.ws.rs.Path");
    static final DotName SIGNED_IN = DotName.createSimple("cloud.agora.support.auth.SignedIn");
    static final DotName DECLARED = DotName.createSimple(ProblemResponses.class.getName());
    static final DotName ADDRESS = DotName.createSimple("cloud.agora.protocol.eth.Address");
    static final DotName SERVER_EXCEPTION_MAPPER =
            DotName.createSimple("org.jboss.resteasy.reactive.server.ServerExceptionMapper");
    static final List<String> VERBS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

    private final IndexView index;
    private ProblemSites sites;

    public ProblemResponsesFilter(IndexView index) {
        this.index = index;
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getComponents() == null) {
            api.components(OASFactory.createComponents());
        }
        api.getComponents().addSchema(PROBLEM_SCHEMA, problemSchema());
        for (AnnotationInstance path : index.getAnnotations(PATH)) {
            if (path.target().kind() != AnnotationTarget.Kind.CLASS) {
                continue;
            }
            ClassInfo resource = path.target().asClass();
            if (Modifier.isInterface(resource) || !resource.name().toString().startsWith("cloud.agora.")) {
                continue;
            }
            for (MethodInfo method : resource.methods()) {
                String verb = verb(method);
                if (verb == null) {
                    continue;
                }
                String route = join(path.value().asString(), method.hasDeclaredAnnotation(PATH)
                        ? method.declaredAnnotation(PATH).value().asString() : "");
                PathItem item = api.getPaths() == null ? null : api.getPaths().getPathItem(route);
                Operation operation = item == null ? null : item.getOperations().get(PathItem.HttpMethod.valueOf(verb));
                if (operation != null) {
                    declare(operation, kinds(resource, method));
                }
            }
        }
    }

    /**
     * Adds the problem responses of these kinds to an operation, one response per status (a route outside JAX-RS
     * calls this from its own filter, with {@link #kindsOf}).
     */
    public static void declare(Operation operation, Collection<ProblemKind> kinds) {
        if (operation.getResponses() == null) {
            operation.responses(OASFactory.createAPIResponses());
        }
        Map<Integer, List<ProblemKind>> byStatus = kinds.stream()
                .collect(Collectors.groupingBy(ProblemKind::status, TreeMap::new, Collectors.toList()));
        byStatus.forEach((status, ofStatus) -> {
            List<Object> types = ofStatus.stream().map(ProblemKind::type).filter(Objects::nonNull).distinct().sorted()
                    .collect(Collectors.toList());
            Schema schema = OASFactory.createSchema().ref(PROBLEM_SCHEMA);
            // a kind whose type the code computes (another library's slug) leaves the status's types open
            boolean open = ofStatus.stream().anyMatch(k -> k.type() == null);
            if (!types.isEmpty() && !open) {
                schema = OASFactory.createSchema().addAllOf(OASFactory.createSchema().ref(PROBLEM_SCHEMA))
                        .addAllOf(OASFactory.createSchema().addProperty("type", OASFactory.createSchema()
                                .addType(Schema.SchemaType.STRING).enumeration(types)));
            }
            APIResponse response = operation.getResponses().getAPIResponse(String.valueOf(status));
            if (response == null) {
                response = OASFactory.createAPIResponse().description(ofStatus.stream().map(ProblemKind::title)
                        .filter(Objects::nonNull).distinct().collect(Collectors.joining("; ")));
                operation.getResponses().addAPIResponse(String.valueOf(status), response);
            }
            if (response.getContent() == null) {
                response.content(OASFactory.createContent());
            }
            Content content = response.getContent();
            content.addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType().schema(schema));
            // the types again, where a route that answers them in another shape (the Pinning API's) still lists them
            response.addExtension(TYPES_EXTENSION, open ? List.of() : types);
        });
    }

    /** The kinds of problem these exception classes stand for ({@link ProblemResponses}'s rules). */
    public Set<ProblemKind> kindsOf(Collection<String> exceptionClasses) {
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        exceptionClasses.forEach(c -> kinds.addAll(sites().kindsOf(c)));
        return kinds;
    }

    /** What a method (of that name, of a class by binary name) and everything it calls build (a route's own problems). */
    public Set<ProblemSites.Built> builtBy(String className, String method) {
        return sites().reachableFrom(className.replace('.', '/'), method);
    }

    /** What every operation answers, whatever it does. */
    public static List<ProblemKind> everyOperation() {
        return List.of(ProblemKind.of(PlatformProblem.INTERNAL_ERROR), ProblemKind.of(PlatformProblem.DATABASE_UNAVAILABLE));
    }

    private Set<ProblemKind> kinds(ClassInfo resource, MethodInfo method) {
        List<String> declared = new ArrayList<>();
        for (AnnotationInstance a : new AnnotationInstance[] {resource.declaredAnnotation(DECLARED),
                method.declaredAnnotation(DECLARED)}) {
            if (a != null) {
                for (Type t : a.value().asClassArray()) {
                    declared.add(t.name().toString());
                }
            }
        }
        // a class standing for several kinds (its constructor passes status and slug through) is declared with the
        // kinds this method can build; all of them when it builds none, which the contract test then reports
        Set<ProblemSites.Built> reached = declared.isEmpty() ? Set.of()
                : sites().reachableFrom(resource.name().toString().replace('.', '/'), method.name());
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        for (String exception : declared) {
            Set<ProblemKind> all = sites().kindsOf(exception);
            String internal = exception.replace('.', '/');
            Set<ProblemKind> built = reached.stream().filter(b -> internal.equals(b.exception()))
                    .map(ProblemSites.Built::kind).collect(Collectors.toCollection(LinkedHashSet::new));
            kinds.addAll(built.isEmpty() ? all : built);
        }
        if (resource.hasDeclaredAnnotation(SIGNED_IN) || method.hasDeclaredAnnotation(SIGNED_IN)) {
            kinds.add(ProblemKind.of(PlatformProblem.UNAUTHENTICATED));
            kinds.add(ProblemKind.of(PlatformProblem.INVALID_TOKEN));
        }
        for (short p = 0; p < method.parametersCount(); p++) {
            boolean annotated = false;
            boolean context = false;
            for (AnnotationInstance a : method.annotations()) {
                if (a.target() != null && a.target().kind() == AnnotationTarget.Kind.METHOD_PARAMETER
                        && a.target().asMethodParameter().position() == p) {
                    String name = a.name().toString();
                    annotated |= name.startsWith("jakarta.ws.rs.") || name.startsWith("org.jboss.resteasy.reactive.");
                    context |= name.equals("jakarta.ws.rs.core.Context");
                }
            }
            Type type = method.parameterType(p);
            if (!annotated && !type.name().toString().startsWith("jakarta.ws.rs.")
                    && !type.name().toString().startsWith("io.vertx.")) {
                kinds.add(ProblemKind.of(PlatformProblem.INVALID_BODY));
            } else if (annotated && !context && type.name().equals(ADDRESS)) {
                kinds.add(ProblemKind.of(PlatformProblem.INVALID_ADDRESS));
            }
        }
        kinds.addAll(everyOperation());
        return kinds;
    }

    private ProblemSites sites() {
        if (sites == null) {
            List<String> known = index.getKnownClasses().stream().map(c -> c.name().toString())
                    .filter(n -> n.startsWith("cloud.agora.")).toList();
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            sites = new ProblemSites(loader == null ? getClass().getClassLoader() : loader, known);
            // a service's own mappers of platform exceptions that are no ProblemException (the storage gateway's CIDs)
            for (AnnotationInstance mapper : index.getAnnotations(SERVER_EXCEPTION_MAPPER)) {
                if (mapper.target().kind() != AnnotationTarget.Kind.METHOD) {
                    continue;
                }
                MethodInfo method = mapper.target().asMethod();
                String exception = method.parametersCount() == 0 ? "" : method.parameterType(0).name().toString();
                String owner = method.declaringClass().name().toString().replace('.', '/');
                if (exception.startsWith("cloud.agora.") && !sites.isMapped(exception.replace('.', '/'))
                        && !sites.isProblem(exception.replace('.', '/'))) {
                    Set<ProblemKind> kinds = new LinkedHashSet<>();
                    sites.reachableFrom(owner, method.name()).forEach(b -> kinds.add(b.kind()));
                    sites.mapped(exception, kinds);
                }
            }
        }
        return sites;
    }

    static String verb(MethodInfo method) {
        for (String verb : VERBS) {
            if (method.hasDeclaredAnnotation(DotName.createSimple("jakarta.ws.rs." + verb))) {
                return verb;
            }
        }
        return null;
    }

    /** A resource's path as the document writes it: one slash between parts, templates without their regex. */
    public static String join(String classPath, String methodPath) {
        String joined = ("/" + classPath + "/" + methodPath).replaceAll("/+", "/")
                .replaceAll("\\{\\s*([^}:\\s]+)\\s*:[^}]*}", "{$1}");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details; the ids involved are further members")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri")
                        .description("urn:agora:problem:<slug>, stable: branch on it"))
                .addProperty("title", string)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", string)
                .addProperty("instance", string)
                .required(List.of("type", "title", "status"))
                .additionalPropertiesBoolean(Boolean.TRUE);
    }

    private static final class Modifier {
        static boolean isInterface(ClassInfo c) {
            return java.lang.reflect.Modifier.isInterface(c.flags());
        }
    }
}
