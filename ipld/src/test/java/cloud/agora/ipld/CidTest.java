package cloud.agora.ipld;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidTest {

    @Test
    void parsesAndPrintsCidV0AndV1InBothMultibases() {
        Cid v0 = Cid.parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
        assertThat(v0.version()).isZero();
        assertThat(v0.codec()).isEqualTo(Cid.DAG_PB);
        assertThat(v0.toV1().toString()).isEqualTo("bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby");
        Cid v1 = Cid.parse("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        assertThat(v1.codec()).isEqualTo(Cid.RAW);
        String z = "z" + Multibase.base58btc(v1.bytes());
        assertThat(Cid.parse(z)).isEqualTo(v1);
        assertThat(Cid.fromBytes(v1.bytes())).isEqualTo(v1);
        assertThat(Cid.fromBytes(v0.bytes())).isEqualTo(v0);
    }

    @Test
    void rejectsMalformedAndUnsupportedCids() {
        for (String bad : new String[] {"", "Qm", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff50", // '0' is not base58
                "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei", // truncated digest
                "BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4", // upper-case base32 is not served
                "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", // dag-cbor
                "bafkr2qhw3r5hehy6sb2p4fwkhyuwjzhq6fi4kufgcbhaxfrf4ql2c4ppbq", // not a sha2-256 multihash
                "mAXASIA"}) {
            assertThatThrownBy(() -> Cid.parse(bad)).as(bad).isInstanceOf(InvalidCidException.class);
        }
    }

    @Test
    void varintsRoundTripAndRejectNonMinimalForms() {
        for (long v : new long[] {0, 1, 127, 128, 300, 16384, Long.MAX_VALUE}) {
            int[] cursor = {0};
            assertThat(Varint.read(Varint.encode(v), cursor)).isEqualTo(v);
        }
        assertThatThrownBy(() -> Varint.read(new byte[] {(byte) 0x81, 0x00}, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Varint.read(new byte[] {(byte) 0x81}, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void base32AndBase58RoundTrip() {
        byte[] bytes = {0, 0, 1, 2, 3, (byte) 0xFF, 42};
        assertThat(Multibase.decodeBase58btc(Multibase.base58btc(bytes))).isEqualTo(bytes);
        assertThat(Multibase.decodeBase32(Multibase.base32(bytes))).isEqualTo(bytes);
        assertThat(Multibase.base32("foobar".getBytes())).isEqualTo("mzxw6ytboi"); // RFC 4648 vector, lower case
    }
}
