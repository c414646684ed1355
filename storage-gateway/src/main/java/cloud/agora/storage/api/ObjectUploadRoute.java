package cloud.agora.storage.api;

import cloud.agora.protocol.auth.InvalidTokenException;
import cloud.agora.protocol.eth.Address;
import cloud.agora.storage.domain.InvalidUploadException;
import cloud.agora.storage.domain.ObjectUploader;
import cloud.agora.storage.domain.StoredObject;
import cloud.agora.support.auth.SignInService;
import cloud.agora.support.problem.Problem;
import cloud.agora.support.problem.ProblemException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Context;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/objects}: the request body is the file, streamed into a UnixFS DAG →
 * {@code 201 {cid, size}}, {@code Location: /ipfs/{cid}}; bearer token required;
 * {@code ?cid-version=0|1}.
 *
 * <p>A plain Vert.x route rather than a JAX-RS resource because of throughput: the body is fed
 * from the event loop into a {@link RequestBodyStream} that queues several chunks with
 * back-pressure, and the importer runs on a worker thread of its own for the upload. RESTEasy Reactive's blocking
 * {@code InputStream} hands over one chunk at a time, so socket reads and hashing/writing took
 * turns (60–65 MiB/s measured). No logic here: authentication, parameters, one call to
 * {@link ObjectUploader}, and the problem response when it refuses.
 *
 * <p>Imports run on a {@link ManagedExecutor} made with the route: a view of Quarkus' worker pool running at most
 * {@value #IMPORTS} imports at once (more wait, their bodies paused by back-pressure), so uploads never hold every
 * worker thread while they wait for the fsyncs that run on the same pool. Shut down at the service's shutdown:
 * imports in flight finish, a later upload is answered {@code 503}.
 */
@ApplicationScoped
public class ObjectUploadRoute {

    /**
     * The stored object.
     *
     * @param cid  its CID, as {@code ipfs add} (or {@code --cid-version=1}) would give it
     * @param size its size in bytes
     */
    public record ObjectView(String cid, long size) {
    }

    private static final Logger LOG = Logger.getLogger(ObjectUploadRoute.class);
    private static final String PATH = "/api/v1/objects";
    private static final String BEARER = "Bearer ";

    private final ObjectUploader uploader;
    private final SignInService signIn;
    private final ObjectMapper json;
    /** Uploads imported at once; well below the worker pool's size (200 threads unless configured otherwise). */
    static final int IMPORTS = 32;
    private final ManagedExecutor uploads = ManagedExecutor.builder()
            .maxAsync(IMPORTS)
            .maxQueued(-1)
            .propagated(ThreadContext.NONE)
            .cleared(ThreadContext.NONE)
            .build();

    public ObjectUploadRoute(ObjectUploader uploader, SignInService signIn, ObjectMapper json) {
        this.uploader = uploader;
        this.signIn = signIn;
        this.json = json;
    }

    void install(@Observes Router router) {
        // before RESTEasy Reactive's catch-all route
        router.post(PATH).order(-100).handler(this::upload);
    }

    void stop(@Observes ShutdownEvent event) {
        uploads.shutdown();
    }

    private void upload(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String auth = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (auth == null || !auth.startsWith(BEARER)) {
            refuseUnread(ctx, Problem.of(401, "unauthenticated", "Sign-in required",
                    "send 'Authorization: Bearer <token>' from POST /api/v1/auth/token", PATH, Map.of()));
            return;
        }
        Address owner;
        String token = auth.substring(BEARER.length()).strip();
        try {
            owner = signIn.authenticate(token);
        } catch (InvalidTokenException e) {
            refuseUnread(ctx, Problem.of(401, "invalid-token", "The access token is not accepted", e.getMessage(), PATH, Map.of()));
            return;
        }
        OptionalLong cidVersion;
        OptionalLong length;
        try {
            cidVersion = number(request.getParam("cid-version"), "cid-version");
            length = number(request.getHeader(HttpHeaders.CONTENT_LENGTH), "Content-Length");
        } catch (InvalidUploadException e) {
            refuseUnread(ctx, problem(e));
            return;
        }
        Context context = ctx.vertx().getOrCreateContext();
        RequestBodyStream body = new RequestBodyStream(request, context);
        Runnable importing = () -> {
            try {
                StoredObject stored = uploader.upload(owner, token, body, cidVersion, length);
                byte[] view = json.writeValueAsBytes(new ObjectView(stored.cid().toString(), stored.size()));
                context.runOnContext(v -> ctx.response().setStatusCode(201)
                        .putHeader(HttpHeaders.LOCATION, java.net.URI.create(ctx.request().absoluteURI()).resolve("/ipfs/" + stored.cid()).toString())
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end(io.vertx.core.buffer.Buffer.buffer(view)));
            } catch (ProblemException e) {
                context.runOnContext(v -> {
                    body.discard();
                    refuse(ctx, problem(e));
                });
            } catch (Exception e) {
                LOG.errorf(e, "upload failed");
                context.runOnContext(v -> body.discard());
                context.runOnContext(v -> refuse(ctx, Problem.of(500, "internal-error", "Internal error",
                        "the upload could not be stored; nothing was kept", PATH, Map.of())));
            }
        };
        try {
            uploads.execute(importing);
        } catch (RejectedExecutionException e) {
            body.discard();
            refuse(ctx, Problem.of(503, "shutting-down", "The service is shutting down",
                    "the upload was not read; send it again to another instance or after the restart", PATH, Map.of()));
        }
    }

    private static OptionalLong number(String value, String name) {
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new InvalidUploadException(name + " must be a number, not '" + value + "'");
        }
    }

    private static Problem problem(ProblemException e) {
        return Problem.of(e.status(), e.slug(), e.title(), e.getMessage(), PATH, e.ids());
    }

    /** Refuses before reading the body: the body is dropped (up to a limit) so the client gets the answer. */
    private void refuseUnread(RoutingContext ctx, Problem problem) {
        new RequestBodyStream(ctx.request(), ctx.vertx().getOrCreateContext()).discard();
        refuse(ctx, problem);
    }

    /** Answers with the problem. */
    private void refuse(RoutingContext ctx, Problem problem) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        byte[] body;
        try {
            body = json.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            body = json.createObjectNode().put("type", problem.type()).put("status", problem.status()).toString()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        response.setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(io.vertx.core.buffer.Buffer.buffer(body));
    }
}
