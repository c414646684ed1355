package cloud.agora.storage.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import cloud.agora.ipld.Cid;
import cloud.agora.ipld.DagPb;
import cloud.agora.ipld.Varint;
import cloud.agora.storage.domain.ObjectUploader;
import cloud.agora.storage.integration.blockstore.EmbeddedBlockstore;
import cloud.agora.testsupport.PostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class ObjectApiTest {

    private static final String HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    private static final String HELLO_V1 = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";

    @Inject
    EmbeddedBlockstore store;

    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/")
    URL base;

    private final String token = Tokens.tokenFor(Tokens.ALICE);

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private String upload(byte[] body, int cidVersion) {
        return given().auth().oauth2(token).contentType("application/octet-stream").body(body)
                .post("/api/v1/objects?cid-version=" + cidVersion).then().statusCode(201)
                .body("size", equalTo(body.length)).extract().path("cid");
    }

    @Test
    void uploadGivesTheCidsIpfsAddGives() {
        byte[] hello = "hello world\n".getBytes(StandardCharsets.UTF_8);
        given().auth().oauth2(token).contentType("application/octet-stream").body(hello)
                .post("/api/v1/objects?cid-version=0").then().statusCode(201)
                .header("Location", startsWith("http")).body("cid", equalTo(HELLO_V0)).body("size", equalTo(12));
        assertThat(upload(hello, 1)).isEqualTo(HELLO_V1);
        given().get("/ipfs/" + HELLO_V0).then().statusCode(200).body(equalTo("hello world\n"))
                .header("Accept-Ranges", "bytes").header("ETag", "\"" + HELLO_V0 + "\"");
        given().get("/ipfs/" + HELLO_V1).then().statusCode(200).body(equalTo("hello world\n"));
    }

    @Test
    void multiChunkFileRoundTripsWholeAndInRanges() {
        byte[] file = random(3 * 262_144 + 1000, 7);
        for (int version : new int[] {0, 1}) {
            String cid = upload(file, version);
            byte[] back = given().get("/ipfs/" + cid).then().statusCode(200)
                    .header("Content-Length", String.valueOf(file.length)).extract().asByteArray();
            assertThat(back).isEqualTo(file);
            // a range across the first chunk boundary
            byte[] range = given().header("Range", "bytes=262000-262299").get("/ipfs/" + cid).then().statusCode(206)
                    .header("Content-Range", "bytes 262000-262299/" + file.length).extract().asByteArray();
            assertThat(range).isEqualTo(Arrays.copyOfRange(file, 262_000, 262_300));
            byte[] suffix = given().header("Range", "bytes=-10").get("/ipfs/" + cid).then().statusCode(206)
                    .extract().asByteArray();
            assertThat(suffix).isEqualTo(Arrays.copyOfRange(file, file.length - 10, file.length));
            byte[] open = given().header("Range", "bytes=786432-").get("/ipfs/" + cid).then().statusCode(206)
                    .extract().asByteArray();
            assertThat(open).isEqualTo(Arrays.copyOfRange(file, 786_432, file.length));
            given().header("Range", "bytes=" + file.length + "-").get("/ipfs/" + cid).then().statusCode(416)
                    .header("Content-Range", "bytes */" + file.length).contentType("application/problem+json")
                    .body("type", equalTo("urn:agora:problem:range-not-satisfiable"));
        }
    }

    @Test
    void rawFormatReturnsTheVerifiedRootBlock() {
        byte[] hello = "hello world\n".getBytes(StandardCharsets.UTF_8);
        upload(hello, 0);
        byte[] block = given().get("/ipfs/" + HELLO_V0 + "?format=raw").then().statusCode(200)
                .contentType("application/vnd.ipld.raw").extract().asByteArray();
        assertThat(Cid.parse(HELLO_V0).matches(block)).isTrue();
        byte[] viaAccept = given().accept("application/vnd.ipld.raw").get("/ipfs/" + HELLO_V0).then().statusCode(200)
                .extract().asByteArray();
        assertThat(viaAccept).isEqualTo(block);
    }

    @Test
    void carHoldsEveryBlockOfTheDagOnceAndEachMatchesItsCid() {
        byte[] file = random(2 * 262_144 + 5, 11);
        String cid = upload(file, 1);
        byte[] car = given().get("/ipfs/" + cid + "?format=car").then().statusCode(200)
                .contentType(startsWith("application/vnd.ipld.car")).extract().asByteArray();
        Map<Cid, byte[]> blocks = readCar(car, Cid.parse(cid));
        assertThat(blocks).hasSize(4); // root + 3 raw leaves
        assertThat(blocks.keySet()).first().isEqualTo(Cid.parse(cid));
        DagPb.Node root = DagPb.decode(blocks.get(Cid.parse(cid)));
        byte[] rebuilt = new byte[file.length];
        int at = 0;
        for (DagPb.Link link : root.links()) {
            byte[] leaf = blocks.get(link.cid());
            System.arraycopy(leaf, 0, rebuilt, at, leaf.length);
            at += leaf.length;
        }
        assertThat(rebuilt).isEqualTo(file);
    }

    /** A minimal CAR v1 reader: checks the header's root and that every block hashes to its CID. */
    static Map<Cid, byte[]> readCar(byte[] car, Cid expectedRoot) {
        int[] cursor = {0};
        int headerLength = (int) Varint.read(car, cursor);
        byte[] header = Arrays.copyOfRange(car, cursor[0], cursor[0] + headerLength);
        cursor[0] += headerLength;
        byte[] rootBytes = expectedRoot.bytes();
        String headerHex = java.util.HexFormat.of().formatHex(header);
        assertThat(headerHex).startsWith("a265726f6f747381d82a58" + String.format("%02x", rootBytes.length + 1) + "00"
                + java.util.HexFormat.of().formatHex(rootBytes)).endsWith("6776657273696f6e01");
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        Set<Cid> seen = new HashSet<>();
        while (cursor[0] < car.length) {
            int length = (int) Varint.read(car, cursor);
            int end = cursor[0] + length;
            int cidLength = car[cursor[0]] == 0x12 ? 34 : 36;
            Cid cid = Cid.fromBytes(Arrays.copyOfRange(car, cursor[0], cursor[0] + cidLength));
            byte[] block = Arrays.copyOfRange(car, cursor[0] + cidLength, end);
            assertThat(cid.matches(block)).as("block %s matches its CID", cid).isTrue();
            assertThat(seen.add(cid)).as("block %s appears once", cid).isTrue();
            blocks.put(cid, block);
            cursor[0] = end;
        }
        return blocks;
    }

    @Test
    void malformedAndUnknownCidsAreProblems() {
        given().get("/ipfs/QmNotACid").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:invalid-cid")).body("cid", equalTo("QmNotACid"));
        given().get("/ipfs/bafyXYZ!").then().statusCode(400).body("type", equalTo("urn:agora:problem:invalid-cid"));
        // well-formed, a codec this gateway does not serve (dag-cbor)
        given().get("/ipfs/bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-cid"));
        String unknown = Cid.of(1, Cid.RAW, "never uploaded".getBytes(StandardCharsets.UTF_8)).toString();
        given().get("/ipfs/" + unknown).then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:content-not-found")).body("cid", equalTo(unknown));
        given().get("/ipfs/" + unknown + "?format=car").then().statusCode(404);
        given().get("/ipfs/" + unknown + "?format=raw").then().statusCode(404);
        given().get("/ipfs/" + HELLO_V0 + "?format=tar").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:unsupported-format"));
    }

    @Test
    void corruptBlocksAreNeverServed() throws IOException {
        byte[] file = random(1000, 99);
        String cid = upload(file, 1);
        Path block = store.location(Cid.parse(cid).blockKey());
        byte[] damaged = Files.readAllBytes(block);
        damaged[10] ^= 1;
        Files.write(block, damaged);
        given().get("/ipfs/" + cid).then().statusCode(502).contentType("application/problem+json")
                .body("type", equalTo("urn:agora:problem:corrupt-block"));
        given().get("/ipfs/" + cid + "?format=raw").then().statusCode(502);
        // uploading the same bytes again repairs the block
        upload(file, 1);
        assertThat(given().get("/ipfs/" + cid).then().statusCode(200).extract().asByteArray()).isEqualTo(file);
    }

    @Test
    void oversizedUploadsAreRefusedAndLeaveNothing() throws Exception {
        long before = store.blockCount();
        // over the test profile's 32 MiB limit, announced by Content-Length
        Response declared = given().auth().oauth2(token).contentType("application/octet-stream")
                .body(new byte[32 * 1024 * 1024 + 1]).post("/api/v1/objects");
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.contentType()).isEqualTo("application/problem+json");
        assertThat(declared.jsonPath().getString("type")).isEqualTo("urn:agora:problem:object-too-large");
        // the same without a length: chunked transfer, refused once the limit is crossed
        InputStream endless = new InputStream() {
            long left = 40L * 1024 * 1024;
            final Random random = new Random(5);

            @Override
            public int read() {
                return left-- > 0 ? random.nextInt(256) : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                random.nextBytes(b);
                left -= n;
                return n;
            }
        };
        Response chunked = given().auth().oauth2(token).contentType("application/octet-stream").body(endless)
                .post("/api/v1/objects");
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(store.blockCount()).isEqualTo(before);
        assertThat(store.stagedUploads()).isZero();
    }

    @Test
    void truncatedUploadsLeaveNothing() throws Exception {
        long before = store.blockCount();
        double truncatedBefore = registry.counter(ObjectUploader.TRUNCATED).count();
        byte[] part = random(600_000, 3);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/objects HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(part);
            out.flush();
        } // the connection closes 400,000 bytes short
        // the gateway counts the upload as truncated once the backend has dropped what it stored of it
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.counter(ObjectUploader.TRUNCATED).count() > truncatedBefore);
        assertThat(store.stagedUploads()).isZero();
        assertThat(store.blockCount()).isEqualTo(before);
        String cidOfPart = Cid.of(1, Cid.RAW, Arrays.copyOf(part, 262_144)).toString();
        given().get("/ipfs/" + cidOfPart + "?format=raw").then().statusCode(404);
    }

    @Test
    void uploadsNeedATokenAndAValidCidVersion() {
        given().contentType("application/octet-stream").body(new byte[] {1}).post("/api/v1/objects").then()
                .statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(token).contentType("application/octet-stream").body(new byte[] {1})
                .post("/api/v1/objects?cid-version=2").then().statusCode(400)
                .body("type", equalTo("urn:agora:problem:invalid-upload"));
    }
}
