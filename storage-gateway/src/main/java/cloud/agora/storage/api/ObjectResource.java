package cloud.agora.storage.api;

import cloud.agora.storage.domain.ObjectUploader;
import cloud.agora.storage.domain.StoredObject;
import cloud.agora.support.auth.SignedIn;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import java.util.OptionalLong;

/** Uploads: the request body is the file, streamed into a UnixFS DAG. */
@Path("/api/v1/objects")
public class ObjectResource {

    /**
     * The stored object.
     *
     * @param cid  its CID, as {@code ipfs add} (or {@code --cid-version=1}) would give it
     * @param size its size in bytes
     */
    public record ObjectView(String cid, long size) {
    }

    private final ObjectUploader uploader;

    public ObjectResource(ObjectUploader uploader) {
        this.uploader = uploader;
    }

    /** Stores the body; {@code ?cid-version=0|1} picks the CID (default 1, raw leaves). */
    @POST
    @SignedIn
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(InputStream body, @QueryParam("cid-version") Long cidVersion,
            @HeaderParam("Content-Length") Long contentLength) {
        StoredObject stored = uploader.upload(body,
                cidVersion == null ? OptionalLong.empty() : OptionalLong.of(cidVersion),
                contentLength == null ? OptionalLong.empty() : OptionalLong.of(contentLength));
        return Response.created(URI.create("/ipfs/" + stored.cid()))
                .entity(new ObjectView(stored.cid().toString(), stored.size())).build();
    }
}
