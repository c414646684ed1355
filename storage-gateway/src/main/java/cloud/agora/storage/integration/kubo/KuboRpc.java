package cloud.agora.storage.integration.kubo;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The part of Kubo's HTTP RPC API ({@code /api/v0}, every command a POST) the gateway uses.
 * Errors come back as HTTP 500 with {@code {"Message", "Code", "Type": "error"}}.
 */
@RegisterRestClient(configKey = "kubo")
@Path("/api/v0")
public interface KuboRpc {

    /**
     * {@code ipfs add}: the body is a multipart/form-data stream with one file part; the answer is
     * one JSON object per added file (newline-delimited), here exactly one.
     */
    @POST
    @Path("/add")
    @Produces(MediaType.APPLICATION_JSON)
    String add(@QueryParam("cid-version") int cidVersion, @QueryParam("raw-leaves") boolean rawLeaves,
            @QueryParam("chunker") String chunker, @QueryParam("pin") boolean pin,
            @QueryParam("progress") boolean progress, @HeaderParam("Content-Type") String contentType,
            InputStream multipartBody);

    /** {@code ipfs block get}: the raw bytes of one block; {@code offline} so it never waits on the network. */
    @POST
    @Path("/block/get")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] blockGet(@QueryParam("arg") String cid, @QueryParam("offline") boolean offline);

    /** {@code ipfs pin add}: fetches (from the network when needed) and pins a DAG. */
    @POST
    @Path("/pin/add")
    @Produces(MediaType.APPLICATION_JSON)
    Pins pinAdd(@QueryParam("arg") String cid, @QueryParam("recursive") boolean recursive);

    /** {@code ipfs pin rm}. */
    @POST
    @Path("/pin/rm")
    @Produces(MediaType.APPLICATION_JSON)
    Pins pinRm(@QueryParam("arg") String cid, @QueryParam("recursive") boolean recursive);

    /** One line of {@code add}'s answer. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Added(@JsonProperty("Name") String name, @JsonProperty("Hash") String hash,
            @JsonProperty("Size") String size) {
    }

    /** The answer of {@code pin/add} and {@code pin/rm}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Pins(@JsonProperty("Pins") List<String> pins) {
    }

    /** Kubo's error body. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Error(@JsonProperty("Message") String message, @JsonProperty("Code") int code,
            @JsonProperty("Type") String type) {
    }
}
