package cloud.agora.ipld;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Zero-filled files with the CIDs Debian's ipfs_cid (CIDv0) and npm's ipfs-unixfs-importer
 * (CIDv1, raw leaves) gave for them; kept as constants so they run without the tools and are
 * easy to check against {@code ipfs add} anywhere (README, "Vectors").
 */
class ZeroFileVectorsTest {

    @ParameterizedTest(name = "{0} zero bytes")
    @CsvSource({
        "0, QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH, bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        "1, QmS9JArPwa55ePgDnyg6TzX24mYTS1b1vLqWNebyVotKxQ, bafkreidogqfzz75tpkmjzjke425xqcrmpcib2p5tg44hnbirumdbpl5adu",
        "262143, QmbNDspMkzkMFKyS3eCJGedG7GWRQHSCzJCZLjxP7wyVAx, bafkreic6iqyxuiad5dem4bzgyy336yoi6tegdqa4e5vt24gq3btool5cra",
        "262144, QmRk1rduJvo5DfEYAaLobS2za9tDszk35hzaNSDCJ74DA7, bafkreiekhhjkxu4ztk3tyng3er3ijhg56mb44oe3gwbgquhzu4afrg2ksa",
        "262145, QmbVuw4C4vcmVKqxoWtgDVobvcHrSn51qsmQmyxjk4sB2Q, bafybeigllfqgfpqydppr6cmv56g7ax4wyhruzswvcefv6j5kj77nzttfki",
        "1048576, QmVkbauSDEaMP4Tkq6Epm9uW75mWm136n81YH8fGtfwdHU, bafybeiggzq4ryi7hscq5hzvzcnk4urnxt3asp37dhgvnjilf7exskximla",
        "20971520, QmPxHUfEJxvT6DjvCgExuSRkhxbrHgC4UHSX8yDgY1VQ2p, bafybeibf3uarxg7tu6q7jmijy5jxnunmof4w2nng677evuwfqgwkqeiksy",
        "45613056, QmY4HSz1oVGdUzb8poVYPLsoqBZjH6LZrtgnme9wWn2Qko, bafybeibxsa3ioclowpaq7b6gxl65gzqneopfr3fnhedak6sqr4bjz5lnyq",
        "45613057, QmehMASWcBsX7VcEQqs6rpR5AHoBfKyBVEgmkJHjpPg8jq, bafybeihqwzd3o6q6v3pmwhzjy22vokhr767burokmqemg63hptx2nqd7ym"
    })
    void zeroFilesHaveTheReferenceCids(long size, String v0, String v1) throws IOException {
        assertThat(cid(size, DagLayout.KUBO_CID_V0)).isEqualTo(v0);
        assertThat(cid(size, DagLayout.KUBO_CID_V1)).isEqualTo(v1);
    }

    private static String cid(long size, DagLayout layout) throws IOException {
        InputStream zeros = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        return FileImporter.importFile(zeros, layout, (cid, block, length) -> {
        }).root().toString();
    }
}
