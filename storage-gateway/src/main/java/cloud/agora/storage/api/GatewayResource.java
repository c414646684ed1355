package cloud.agora.storage.api;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.InvalidCidException;
import cloud.agora.storage.domain.ByteRange;
import cloud.agora.storage.domain.CarExporter;
import cloud.agora.storage.domain.ContentNotFoundException;
import cloud.agora.storage.domain.CorruptBlockException;
import cloud.agora.storage.domain.FileReader;
import cloud.agora.storage.domain.InvalidRangeException;
import cloud.agora.storage.domain.NotAFileException;
import cloud.agora.storage.domain.VerifiedBlocks;
import cloud.agora.storage.integration.kubo.KuboException;
import cloud.agora.support.problem.Problem;
import cloud.agora.support.problem.ProblemException;
import cloud.agora.support.problem.ProblemResponses;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A path gateway for UnixFS files and the trustless gateway formats: {@code GET /ipfs/{cid}}
 * streams the file (with single byte ranges), {@code ?format=raw} the root block and
 * {@code ?format=car} the whole DAG as CAR v1, so a client can check every byte against the CID.
 */
@Path("/ipfs/{cid}")
public class GatewayResource {

    static final String RAW = "application/vnd.ipld.raw";
    static final String CAR = "application/vnd.ipld.car";
    private static final String IMMUTABLE = "public, max-age=29030400, immutable";

    private final FileReader files;
    private final VerifiedBlocks blocks;
    private final CarExporter cars;

    public GatewayResource(FileReader files, VerifiedBlocks blocks, CarExporter cars) {
        this.files = files;
        this.blocks = blocks;
        this.cars = cars;
    }

    /** The file, its root block or its CAR, by {@code ?format=} or the Accept header. */
    @GET
    @ProblemResponses({InvalidCidException.class, UnsupportedFormatException.class, ContentNotFoundException.class,
            NotAFileException.class, InvalidRangeException.class, CorruptBlockException.class, KuboException.class})
    public Response get(@PathParam("cid") String text, @QueryParam("format") String format,
            @HeaderParam("Accept") String accept, @HeaderParam("Range") String range) {
        Cid cid = Cid.parse(text);
        String kind = kind(format, accept);
        return switch (kind) {
            case "raw" -> Response.ok(blocks.get(cid), RAW).header("Cache-Control", IMMUTABLE)
                    .header("ETag", "\"" + cid + ".raw\"").header("X-Content-Type-Options", "nosniff").build();
            case "car" -> {
                StreamingOutput car = out -> cars.export(cid, out);
                blocks.get(cid); // a missing root is a 404 before any byte is sent
                yield Response.ok(car, CAR + "; version=1").header("Cache-Control", IMMUTABLE)
                        .header("ETag", "\"" + cid + ".car\"").header("X-Content-Type-Options", "nosniff").build();
            }
            default -> file(cid, range);
        };
    }

    private Response file(Cid cid, String rangeHeader) {
        long size = files.size(cid);
        Optional<ByteRange> range = ByteRange.parse(rangeHeader, size);
        long first = range.map(ByteRange::first).orElse(0L);
        long length = range.map(ByteRange::length).orElse(size);
        StreamingOutput body = out -> files.copy(cid, first, length, out);
        Response.ResponseBuilder response = Response.status(range.isPresent() ? 206 : 200).entity(body)
                .type("application/octet-stream")
                .header("Content-Length", length)
                .header("Accept-Ranges", "bytes")
                .header("ETag", "\"" + cid + "\"")
                .header("Cache-Control", IMMUTABLE)
                .header("X-Ipfs-Path", "/ipfs/" + cid);
        range.ifPresent(r -> response.header("Content-Range", "bytes " + r.first() + "-" + r.last() + "/" + size));
        return response.build();
    }

    private static String kind(String format, String accept) {
        if (format != null && !format.isEmpty()) {
            return switch (format) {
                case "raw", "car" -> format;
                default -> throw new UnsupportedFormatException(format);
            };
        }
        if (accept != null) {
            if (accept.contains(RAW)) {
                return "raw";
            }
            if (accept.contains(CAR)) {
                return "car";
            }
        }
        return "file";
    }

    /** 416 answers carry {@code Content-Range: bytes * /size} beside the problem body. */
    @ServerExceptionMapper
    public Response unsatisfiable(InvalidRangeException e, UriInfo uri) {
        return Response.fromResponse(Problem.of(e.status(), e.slug(), e.title(), e.getMessage(),
                uri.getRequestUri().getRawPath(), e.ids()).toResponse())
                .header("Content-Range", "bytes */" + e.size()).build();
    }

    /** An unknown {@code ?format=}. */
    static class UnsupportedFormatException extends ProblemException {
        UnsupportedFormatException(String format) {
            super(400, "unsupported-format", "The format is not supported",
                    "format '" + format + "' is not one of raw, car", Map.of("format", format));
        }
    }
}
