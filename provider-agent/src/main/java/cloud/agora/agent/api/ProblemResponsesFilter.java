package cloud.agora.agent.api;

import cloud.agora.agent.gateway.GrantRejectedException;
import cloud.agora.oci.ImageRejectedException;
import cloud.agora.protocol.invocation.GrantVerifier;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * Declares in the agent's OpenAPI document the problem responses ({@code application/problem+json}, RFC 9457) of
 * each operation, at build time: per status a response whose schema is {@code Problem}, with the problem types the
 * operation can answer at that status listed in {@value #TYPES_EXTENSION} (the extension the platform's services use).
 *
 * <p>The agent's problems come in families, each what one part of the agent refuses; an operation answers the families
 * of the code it runs, and every operation the two the exception mappers make of any request ({@link #ANY}). The
 * grant family is the grant verifier's reasons and the image family includes the image checker's problems, read from
 * their code. The agent's {@code OpenApiContractTest} holds these declarations to what the code builds.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ProblemResponsesFilter implements OASFilter {

    /** The extension on a problem response listing its problem types. */
    public static final String TYPES_EXTENSION = "x-problem-types";
    /** The prefix of every problem type the agent answers. */
    public static final String TYPE_PREFIX = "urn:agora:problem:";
    /** The media type of a problem body. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** One problem: its status and slug. */
    record Kind(int status, String slug) {
        String type() {
            return TYPE_PREFIX + slug;
        }
    }

    /** What the exception mappers answer for any request: malformed input, and the container runtime failing. */
    static final List<Kind> ANY = List.of(new Kind(400, "invalid-invocation"), new Kind(503, "runtime-unavailable"));
    /** Sign-in with Ethereum at the agent ({@code auth.ProviderSignIn}, {@link AuthResource}). */
    static final List<Kind> SIGN_IN = List.of(new Kind(400, "invalid-sign-in"), new Kind(401, "sign-in-rejected"),
            new Kind(403, "not-this-provider"));
    /** The provider's own endpoints ({@link ProviderOnlyFilter}). */
    static final List<Kind> PROVIDER_ONLY = List.of(new Kind(401, "unauthenticated"), new Kind(401, "invalid-token"),
            new Kind(403, "not-this-provider"));
    /** A call refused before it runs ({@code invocation.InvocationRunner}, {@code InvocationGrants}). */
    static final List<Kind> INVOCATION = List.of(new Kind(400, "invalid-invocation"), new Kind(404, "lease-not-held"),
            new Kind(409, "invocation-already-run"), new Kind(507, "journal-full"));
    /** A function's bundle by CID ({@code bundle.BundleStore}, {@code CidFetcher}). */
    static final List<Kind> BUNDLE = List.of(new Kind(422, "bundle-not-available"), new Kind(502, "bundle-not-available"),
            new Kind(502, "bundle-corrupt"), new Kind(422, "bundle-invalid"));
    /** A storage request ({@code storage.BlockKeeper}, {@code BlockStore}, {@code StoragePeriodReceipts}). */
    static final List<Kind> STORAGE = List.of(new Kind(413, "block-too-large"), new Kind(400, "invalid-challenge"),
            new Kind(404, "lease-not-held"), new Kind(400, "invalid-cid"), new Kind(404, "block-not-found"),
            new Kind(400, "invalid-period"), new Kind(400, "block-hash-mismatch"), new Kind(507, "storage-lease-full"));

    /** Every grant refusal, at its status ({@code GrantRejectedException}). */
    static List<Kind> grant() {
        return grantReasons().stream().map(r -> new Kind(GrantRejectedException.status(r), r)).toList();
    }

    /** A function's image by CID ({@code image.ImageStore}, {@code CidFetcher}), the image checker's refusals included. */
    static List<Kind> image() {
        List<Kind> kinds = new ArrayList<>(List.of(new Kind(422, "image-not-available"), new Kind(502, "image-not-available"),
                new Kind(502, "image-corrupt"), new Kind(422, "image-too-large")));
        Stream.of(ImageRejectedException.Problem.values()).forEach(p -> kinds.add(new Kind(422, p.slug())));
        return kinds;
    }

    /** The grant verifier's reasons: the constants of {@link GrantVerifier.Rejection}. */
    static List<String> grantReasons() {
        List<String> reasons = new ArrayList<>();
        for (Field f : GrantVerifier.Rejection.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    reasons.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return reasons;
    }

    /** The families each operation ("VERB /path" as in the document) answers, besides {@link #ANY}. */
    static Map<String, List<Kind>> operations() {
        Map<String, List<Kind>> operations = new LinkedHashMap<>();
        operations.put("POST /api/v1/auth/challenge", SIGN_IN);
        operations.put("POST /api/v1/auth/token", SIGN_IN);
        operations.put("GET /api/v1/inventory", List.of());
        operations.put("GET /api/v1/workloads", PROVIDER_ONLY);
        operations.put("POST /api/v1/invocations", concat(grant(), INVOCATION, BUNDLE, image()));
        String lease = "/api/v1/storage/leases/{leaseId}";
        List<Kind> storage = concat(grant(), STORAGE);
        for (String operation : List.of("PUT " + lease + "/blocks/{cid}", "GET " + lease + "/blocks/{cid}",
                "POST " + lease + "/challenges", "POST " + lease + "/periods", "GET " + lease, "DELETE " + lease)) {
            operations.put(operation, storage);
        }
        return operations;
    }

    @SafeVarargs
    private static List<Kind> concat(List<Kind>... families) {
        return Stream.of(families).flatMap(List::stream).distinct().toList();
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getComponents() == null) {
            api.components(OASFactory.createComponents());
        }
        api.getComponents().addSchema("Problem", problemSchema());
        Map<String, List<Kind>> declared = operations();
        Set<String> seen = new HashSet<>();
        if (api.getPaths() != null && api.getPaths().getPathItems() != null) {
            for (Map.Entry<String, PathItem> path : api.getPaths().getPathItems().entrySet()) {
                for (Map.Entry<PathItem.HttpMethod, Operation> op : path.getValue().getOperations().entrySet()) {
                    String key = op.getKey().name() + " " + path.getKey();
                    List<Kind> kinds = declared.get(key);
                    if (kinds != null) {
                        seen.add(key);
                        declare(op.getValue(), concat(ANY, kinds));
                    }
                }
            }
        }
        Set<String> unknown = new TreeSet<>(declared.keySet());
        unknown.removeAll(seen);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("problems declared for operations the agent does not serve: " + unknown);
        }
    }

    private static void declare(Operation operation, List<Kind> kinds) {
        if (operation.getResponses() == null) {
            operation.responses(OASFactory.createAPIResponses());
        }
        Map<Integer, Set<String>> byStatus = new TreeMap<>();
        kinds.forEach(k -> byStatus.computeIfAbsent(k.status(), s -> new TreeSet<>()).add(k.type()));
        byStatus.forEach((status, types) -> operation.getResponses().addAPIResponse(String.valueOf(status),
                OASFactory.createAPIResponse()
                        .description("Problem (RFC 9457): " + String.join(", ", types.stream()
                                .map(t -> t.substring(TYPE_PREFIX.length())).toList()))
                        .content(OASFactory.createContent().addMediaType(MEDIA_TYPE, OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref("#/components/schemas/Problem"))))
                        .addExtension(TYPES_EXTENSION, List.copyOf(types))));
    }

    private static Schema problemSchema() {
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("An RFC 9457 problem: type urn:agora:problem:<slug>, the id the refusal concerns if any")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .addProperty("title", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .addProperty("id", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uuid"));
    }
}
