package cloud.agora.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.contracts.chain.Escrow;
import cloud.agora.contracts.chain.Redemption;
import cloud.agora.contracts.chain.Signer;
import cloud.agora.contracts.devnet.Devnet;
import cloud.agora.contracts.devnet.DevnetExtension;
import cloud.agora.protocol.eip712.Bytes32;
import cloud.agora.protocol.eip712.SignedVoucher;
import cloud.agora.protocol.eip712.TypedData;
import cloud.agora.protocol.eip712.Vote;
import cloud.agora.protocol.eip712.VoteSupport;
import cloud.agora.protocol.eip712.Voucher;
import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.money.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ethers.js, an independent EIP-712 implementation, signs a voucher and a vote: the contract and the Java verifier
 * accept them. Java signs a voucher and a vote: ethers recovers the right signer. Different keys on each side, so
 * the two never merely produce the same bytes.
 */
@ExtendWith(DevnetExtension.class)
class CrossImplementationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void ethersAndJavaAcceptEachOthersVouchersAndVotes(Devnet devnet) throws Exception {
        NodeScripts.requireNode();
        Escrow escrow = devnet.escrow();
        Signer consumer = devnet.newAccount();      // signs with ethers
        Signer delegate = devnet.newAccount();      // signs with Java
        Signer provider = devnet.newAccount();
        escrow.deposit(consumer, Wei.of(1_000_000_000L));
        escrow.authorize(consumer, delegate.address(), Wei.of(1_000_000_000L));

        Voucher ethersVoucher = new Voucher(consumer.address(), provider.address(), Wei.of(400_000_000L),
                Bytes32.parse("0x" + "5a".repeat(32)));
        Voucher javaVoucher = new Voucher(consumer.address(), provider.address(), Wei.of(700_000_000L),
                Bytes32.parse("0x" + "c3".repeat(32)));
        Vote ethersVote = new Vote(new BigInteger("115792089237316195423570985008687907853269984665640564039457584007913129639935"),
                VoteSupport.AGAINST, "too expensive ✗", BigInteger.TWO.pow(256).subtract(BigInteger.ONE));
        Vote javaVote = new Vote(BigInteger.valueOf(7), VoteSupport.ABSTAIN, "", BigInteger.valueOf(1_733_356_800_000L));
        String javaVoucherSignature = TypedData.sign(escrow.domain(), javaVoucher, delegate.key());
        String javaVoteSignature = TypedData.sign(devnet.token().governanceDomain(), javaVote, delegate.key());

        Map<String, Object> input = new LinkedHashMap<>();
        input.put("chainId", devnet.chainId());
        input.put("escrow", escrow.address().checksummed());
        input.put("token", devnet.token().address().checksummed());
        input.put("ethersKey", consumer.privateKeyHex());
        input.put("ethersVoucher", ethersVoucher.message());
        input.put("ethersVote", ethersVote.message());
        input.put("javaVoucher", javaVoucher.message());
        input.put("javaVoucherSignature", javaVoucherSignature);
        input.put("javaVote", javaVote.message());
        input.put("javaVoteSignature", javaVoteSignature);
        NodeScripts.Result result = NodeScripts.run("src/test/node/cross-sign.js", JSON.writeValueAsString(input));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        JsonNode out = JSON.readTree(result.stdout());

        // ethers → Java and the contract
        assertThat(Address.parse(out.get("ethersSigner").asText())).isEqualTo(consumer.address());
        assertThat(out.get("voucherDigest").asText()).isEqualTo(TypedData.digest(escrow.domain(), ethersVoucher).hex())
                .isEqualTo(escrow.hashVoucher(ethersVoucher).hex());
        String ethersVoucherSignature = out.get("voucherSignature").asText();
        assertThat(TypedData.recoverSigner(escrow.domain(), ethersVoucher, ethersVoucherSignature)).isEqualTo(consumer.address());
        assertThat(out.get("voteDigest").asText()).isEqualTo(TypedData.digest(devnet.token().governanceDomain(), ethersVote).hex());
        TypedData.verify(devnet.token().governanceDomain(), ethersVote, out.get("voteSignature").asText(), consumer.address());
        Redemption byEthers = escrow.redeem(provider, new SignedVoucher(ethersVoucher, ethersVoucherSignature));
        assertThat(byEthers.payment().plus(byEthers.fee())).isEqualTo(Wei.of(400_000_000L));

        // Java → ethers (and the contract)
        assertThat(Address.parse(out.get("javaVoucherSigner").asText())).isEqualTo(delegate.address());
        assertThat(Address.parse(out.get("javaVoteSigner").asText())).isEqualTo(delegate.address());
        Redemption byJava = escrow.redeem(provider, new SignedVoucher(javaVoucher, javaVoucherSignature));
        assertThat(byJava.payment().plus(byJava.fee())).isEqualTo(Wei.of(300_000_000L));
    }
}
