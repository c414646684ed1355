package cloud.agora.storage.api;

import cloud.agora.storage.domain.InvalidUploadException;
import cloud.agora.storage.domain.ObjectTooLargeException;
import cloud.agora.storage.domain.QuotaExceededException;
import cloud.agora.storage.domain.StorageNotPaidException;
import cloud.agora.support.billing.BillingUnavailableException;
import cloud.agora.support.openapi.ProblemResponsesFilter;
import cloud.agora.support.problem.Problem;
import cloud.agora.support.problem.ProblemKind;
import cloud.agora.support.problem.ProblemResponses;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;

/**
 * What the storage gateway's OpenAPI document says beyond its JAX-RS resources, at build time, after the shared
 * {@link ProblemResponsesFilter}:
 * <ul>
 *   <li>{@code POST /api/v1/objects}, the upload served by {@link ObjectUploadRoute} (a Vert.x route): the body is the
 *   file, {@code ?cid-version=0|1}, {@code 201 {cid, size}}, and its problems: those declared here with
 *   {@link ProblemResponses}, and those the route builds itself (sign-in, shutting down, unexpected errors), read
 *   from its code;</li>
 *   <li>the Pinning Service API's errors ({@link PinningApi}, {@link PinningFailureFilter}): its problem responses
 *   become the spec's {@code Failure} body ({@code application/json}), 402 answered as 409, their problem types kept
 *   in {@code x-problem-types}.</li>
 * </ul>
 */
@OpenApiFilter(value = OpenApiFilter.RunStage.BUILD, priority = 0)
@ProblemResponses({InvalidUploadException.class, ObjectTooLargeException.class, StorageNotPaidException.class,
        QuotaExceededException.class, BillingUnavailableException.class})
public class StorageOpenApi implements OASFilter {

    /** The upload's path: the route's own ({@code ObjectUploadRoute.PATH}). */
    public static final String UPLOAD_PATH = uploadPath();

    private static final String FAILURE_SCHEMA = "Failure";
    private static final DotName PINNING_API = DotName.createSimple(PinningApi.class.getName());

    private final IndexView index;

    public StorageOpenApi(IndexView index) {
        this.index = index;
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        declareUpload(api);
        pinningFailures(api);
    }

    private void declareUpload(OpenAPI api) {
        Operation upload = OASFactory.createOperation().operationId("uploadObject")
                .summary("Stores a file as a UnixFS DAG")
                .description("The request body is the file, streamed; the answer names its CID as ipfs add gives it "
                        + "(or --cid-version=1), with Location: /ipfs/{cid}. Bearer token required.")
                .addParameter(OASFactory.createParameter().name("cid-version").in(Parameter.In.QUERY)
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).enumeration(List.of(0, 1))))
                .requestBody(OASFactory.createRequestBody().required(true).content(OASFactory.createContent()
                        .addMediaType("application/octet-stream", OASFactory.createMediaType().schema(
                                OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("binary")))))
                .responses(OASFactory.createAPIResponses().addAPIResponse("201", OASFactory.createAPIResponse()
                        .description("Stored").content(OASFactory.createContent().addMediaType("application/json",
                                OASFactory.createMediaType().schema(OASFactory.createSchema()
                                        .addType(Schema.SchemaType.OBJECT)
                                        .addProperty("cid", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                                        .addProperty("size", OASFactory.createSchema()
                                                .addType(Schema.SchemaType.INTEGER).format("int64")))))));
        ProblemResponsesFilter problems = new ProblemResponsesFilter(index);
        Set<ProblemKind> kinds = new LinkedHashSet<>(problems.kindsOf(Stream.of(
                getClass().getAnnotation(ProblemResponses.class).value()).map(Class::getName).toList()));
        // the route answers sign-in, shutdown and unexpected errors itself, with problems built in its own code
        problems.builtBy(ObjectUploadRoute.class.getName(), "upload").stream()
                .filter(b -> b.exception() == null && b.where().startsWith(ObjectUploadRoute.class.getName() + "."))
                .forEach(b -> kinds.add(b.kind()));
        ProblemResponsesFilter.declare(upload, kinds);
        if (api.getPaths() == null) {
            api.paths(OASFactory.createPaths());
        }
        api.getPaths().addPathItem(UPLOAD_PATH, OASFactory.createPathItem().POST(upload));
    }

    private void pinningFailures(OpenAPI api) {
        List<String> prefixes = new ArrayList<>();
        for (AnnotationInstance binding : index.getAnnotations(PINNING_API)) {
            if (binding.target().kind() == org.jboss.jandex.AnnotationTarget.Kind.CLASS) {
                AnnotationInstance path = binding.target().asClass().declaredAnnotation(DotName.createSimple("jakarta.ws.rs.Path"));
                if (path != null) {
                    prefixes.add(ProblemResponsesFilter.join(path.value().asString(), ""));
                }
            }
        }
        if (prefixes.isEmpty() || api.getPaths() == null) {
            return;
        }
        api.getComponents().addSchema(FAILURE_SCHEMA, failureSchema());
        api.getPaths().getPathItems().forEach((path, item) -> {
            if (prefixes.stream().noneMatch(p -> path.equals(p) || path.startsWith(p + "/"))) {
                return;
            }
            for (Operation operation : item.getOperations().values()) {
                failures(operation);
            }
        });
    }

    /** The operation's problem responses as the spec's Failure bodies; 402 is answered as 409. */
    private static void failures(Operation operation) {
        Map<String, APIResponse> responses = operation.getResponses() == null ? Map.of()
                : Map.copyOf(operation.getResponses().getAPIResponses());
        responses.forEach((status, response) -> {
            if (response.getContent() == null || response.getContent().getMediaType(Problem.MEDIA_TYPE) == null) {
                return;
            }
            response.getContent().removeMediaType(Problem.MEDIA_TYPE);
            response.getContent().addMediaType("application/json", OASFactory.createMediaType()
                    .schema(OASFactory.createSchema().ref(FAILURE_SCHEMA)));
            if (status.equals("402")) {
                operation.getResponses().removeAPIResponse("402");
                APIResponse conflict = operation.getResponses().getAPIResponse("409");
                if (conflict == null) {
                    operation.getResponses().addAPIResponse("409", response);
                } else {
                    List<Object> types = new ArrayList<>(listed(conflict));
                    types.addAll(listed(response));
                    conflict.addExtension(ProblemResponsesFilter.TYPES_EXTENSION, types.stream().distinct().sorted().toList());
                }
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listed(APIResponse response) {
        Object types = response.getExtensions() == null ? null
                : response.getExtensions().get(ProblemResponsesFilter.TYPES_EXTENSION);
        return types instanceof List<?> list ? (List<Object>) list : List.of();
    }

    private static Schema failureSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("The Pinning Service API's error body")
                .addProperty("error", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                        .addProperty("reason", string).addProperty("details", string).required(List.of("reason")))
                .required(List.of("error"));
    }

    private static String uploadPath() {
        try {
            java.lang.reflect.Field path = ObjectUploadRoute.class.getDeclaredField("PATH");
            path.setAccessible(true);
            return (String) path.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("ObjectUploadRoute names no PATH", e);
        }
    }
}
