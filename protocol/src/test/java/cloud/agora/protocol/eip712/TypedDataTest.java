package cloud.agora.protocol.eip712;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.KeyFiles;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.money.Wei;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;
import org.web3j.crypto.StructuredDataEncoder;
import org.web3j.utils.Numeric;

/**
 * The expected digests and signatures below were computed by ethers.js 6 ({@code TypedDataEncoder.hash},
 * {@code Wallet.signTypedData}) — an independent implementation — for Anvil's first dev key. Both sides use
 * RFC 6979 deterministic nonces, so the signatures must match byte for byte.
 */
class TypedDataTest {

    private static final ECKeyPair ANVIL_0 = KeyFiles.parse("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    private static final ECKeyPair OTHER = KeyFiles.parse("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    private static final Address ESCROW = Address.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static final Address TOKEN = Address.parse("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    private static final Eip712Domain ESCROW_DOMAIN = Eip712Domain.escrow(31337, ESCROW);
    private static final Eip712Domain GOVERNANCE_DOMAIN = Eip712Domain.governance(1, TOKEN);
    private static final Voucher VOUCHER = new Voucher(
            PersonalSignature.addressOf(ANVIL_0),
            Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
            Wei.parse("1234567890123456789"),
            Bytes32.parse("0x" + "ab".repeat(32)));
    private static final Vote VOTE = new Vote(BigInteger.valueOf(42), VoteSupport.FOR, "lower fees — ça va",
            BigInteger.valueOf(1_733_356_800_000L));

    @Test
    void hashesTheEscrowDomainAsEthersDoes() {
        assertThat(ESCROW_DOMAIN.separator().hex())
                .isEqualTo("0xfefd6723cd2e6df888fe1ee2839018425aec8dbf61f9ea0034b4f97e78b7be27");
    }

    @Test
    void hashesAndSignsAVoucherAsEthersDoes() {
        assertThat(TypedData.digest(ESCROW_DOMAIN, VOUCHER).hex())
                .isEqualTo("0x69b43761e743edbf6ec7ac5990b9bf6ffdd5197a543afdaec4546c87c54ed020");
        assertThat(TypedData.sign(ESCROW_DOMAIN, VOUCHER, ANVIL_0)).isEqualTo(
                "0xb95dcd363fbaaf8d3719c0d3bd985a00a6ea304575fb368e4ea4c311a1ebda9d"
                        + "60c636abd3b98cf730c6980e42cb7526f3eef4ba2883744587f7b39acb364a361c");
    }

    @Test
    void hashesAndSignsAVoteWithAUnicodeReasonAsEthersDoes() {
        assertThat(TypedData.digest(GOVERNANCE_DOMAIN, VOTE).hex())
                .isEqualTo("0xaa846e5ba7d086b7d3319a6b5e8fe2d4293c593b0f237543df5ba1a1fbda2c86");
        assertThat(TypedData.sign(GOVERNANCE_DOMAIN, VOTE, ANVIL_0)).isEqualTo(
                "0xaf73fdf13af75d6c9225b97f0c33dd8698f49bed9dc8b9c1fe9790b798c8d51b"
                        + "0af54aa0e97979116e957e5a91c8c3a98b59ebd8326bc3f4ae884dd54a39c2fe1b");
    }

    @Test
    void producesTypedDataJsonThatWeb3jHashesToTheSameDigest() throws Exception {
        for (var pair : new Object[][] {{ESCROW_DOMAIN, VOUCHER}, {GOVERNANCE_DOMAIN, VOTE}}) {
            Eip712Domain domain = (Eip712Domain) pair[0];
            TypedStruct message = (TypedStruct) pair[1];
            byte[] web3j = new StructuredDataEncoder(TypedData.toJson(domain, message)).hashStructuredData();
            assertThat(Numeric.toHexString(web3j)).isEqualTo(TypedData.digest(domain, message).hex());
        }
    }

    @Test
    void recoversTheSignerOfAVoucherAndAVote() {
        String voucherSignature = TypedData.sign(ESCROW_DOMAIN, VOUCHER, OTHER);
        assertThat(TypedData.recoverSigner(ESCROW_DOMAIN, VOUCHER, voucherSignature)).isEqualTo(PersonalSignature.addressOf(OTHER));
        String voteSignature = TypedData.sign(GOVERNANCE_DOMAIN, VOTE, OTHER);
        TypedData.verify(GOVERNANCE_DOMAIN, VOTE, voteSignature, PersonalSignature.addressOf(OTHER));
        assertThat(SignedVoucher.sign(ESCROW_DOMAIN, VOUCHER, ANVIL_0).signer(ESCROW_DOMAIN)).isEqualTo(VOUCHER.consumer());
    }

    @Test
    void aSignatureForAnotherChainContractOrAmountRecoversSomeoneElse() {
        String signature = TypedData.sign(ESCROW_DOMAIN, VOUCHER, ANVIL_0);
        Address signer = PersonalSignature.addressOf(ANVIL_0);
        assertThat(TypedData.recoverSigner(Eip712Domain.escrow(1, ESCROW), VOUCHER, signature)).isNotEqualTo(signer);
        assertThat(TypedData.recoverSigner(Eip712Domain.escrow(31337, TOKEN), VOUCHER, signature)).isNotEqualTo(signer);
        Voucher more = new Voucher(VOUCHER.consumer(), VOUCHER.provider(), Wei.parse("1234567890123456790"), VOUCHER.receiptsRoot());
        assertThat(TypedData.recoverSigner(ESCROW_DOMAIN, more, signature)).isNotEqualTo(signer);
        assertThatThrownBy(() -> TypedData.verify(ESCROW_DOMAIN, more, signature, signer))
                .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("not by " + signer);
    }

    @Test
    void aVoteIsNotAVoucherEvenWithTheSameDomain() {
        Eip712Domain domain = Eip712Domain.escrow(31337, ESCROW);
        assertThat(TypedData.digest(domain, VOTE)).isNotEqualTo(TypedData.digest(domain, VOUCHER));
    }

    @Test
    void rejectsTheHighSTwinOfAValidSignature() {
        Sign.SignatureData low = PersonalSignature.parse(TypedData.sign(ESCROW_DOMAIN, VOUCHER, ANVIL_0));
        BigInteger highS = Sign.CURVE_PARAMS.getN().subtract(new BigInteger(1, low.getS()));
        byte flippedV = (byte) (low.getV()[0] == 27 ? 28 : 27);
        String high = PersonalSignature.toHex(new Sign.SignatureData(flippedV, low.getR(), Numeric.toBytesPadded(highS, 32)));
        assertThatThrownBy(() -> TypedData.recoverSigner(ESCROW_DOMAIN, VOUCHER, high))
                .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("high-s");
    }

    @Test
    void rejectsMalformedSignatures() {
        assertThatThrownBy(() -> TypedData.recoverSigner(ESCROW_DOMAIN, VOUCHER, "0x1234"))
                .isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> TypedData.recoverSigner(ESCROW_DOMAIN, VOUCHER, null))
                .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void validatesItsValues() {
        assertThatThrownBy(() -> Bytes32.parse("0x12")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Bytes32.parse("0x" + "AB".repeat(32))).isEqualTo(Bytes32.parse("0x" + "ab".repeat(32)));
        assertThatThrownBy(() -> new Vote(BigInteger.ONE.negate(), VoteSupport.FOR, "", BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Vote(BigInteger.ONE, VoteSupport.FOR, "", BigInteger.ONE.negate()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Vote(BigInteger.ONE, VoteSupport.FOR, "", BigInteger.TWO.pow(256)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VoteSupport.ofCode(3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Eip712Domain.escrow(0, ESCROW)).isInstanceOf(IllegalArgumentException.class);
        assertThat(VoteSupport.ofCode(2)).isEqualTo(VoteSupport.ABSTAIN);
    }
}
