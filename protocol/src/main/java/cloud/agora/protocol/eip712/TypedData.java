package cloud.agora.protocol.eip712;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.InvalidSignatureException;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.eth.PersonalSignature;
import cloud.agora.protocol.eth.Secp256k1;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

/**
 * EIP-712 typed-data hashing, signing and signer recovery, without a node: what a service needs to
 * issue vouchers, check votes, or check a voucher before it goes on chain.
 *
 * <p>Signatures are 65 bytes r‖s‖v (hex, 0x-prefixed) with v = 27 or 28, the form
 * {@code eth_signTypedData_v4} and ethers.js return and {@code ECDSA.recover} accepts. Only low-s
 * signatures are accepted (EIP-2), as OpenZeppelin's {@code ECDSA} does, so a signature has one valid form.
 */
public final class TypedData {

    private static final byte[] PREFIX = {0x19, 0x01};
    private static final ObjectMapper JSON = new ObjectMapper();

    private TypedData() {
    }

    /** {@code keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(message))}: the 32 bytes that are signed. */
    public static Bytes32 digest(Eip712Domain domain, TypedStruct message) {
        return Bytes32.of(Keccak256.hash(AbiWords.concat(PREFIX, domain.separator().toBytes(), message.hashStruct().toBytes())));
    }

    /** Signs {@code message} in {@code domain} with {@code key}; returns 0x r‖s‖v hex (low s, v 27/28). */
    public static String sign(Eip712Domain domain, TypedStruct message, ECKeyPair key) {
        Sign.SignatureData signature = Secp256k1.signHash(digest(domain, message).toBytes(), key);
        return PersonalSignature.toHex(signature);
    }

    /**
     * The address whose key made {@code signature} over {@code message} in {@code domain}. A signature
     * made for another domain (chain, contract) or another message recovers some other address.
     *
     * @throws InvalidSignatureException when the signature is malformed, high-s, or recovers no key
     */
    public static Address recoverSigner(Eip712Domain domain, TypedStruct message, String signature) {
        return Secp256k1.recover(digest(domain, message).toBytes(), PersonalSignature.parse(signature));
    }

    /**
     * Checks that {@code expectedSigner} signed {@code message} in {@code domain}.
     *
     * @throws InvalidSignatureException when it is malformed, high-s, or made by someone else
     */
    public static void verify(Eip712Domain domain, TypedStruct message, String signature, Address expectedSigner) {
        Address signer = recoverSigner(domain, message, signature);
        if (!signer.equals(expectedSigner)) {
            throw new InvalidSignatureException("signed by " + signer + ", not by " + expectedSigner);
        }
    }

    /**
     * The typed data as the JSON object {@code eth_signTypedData_v4} takes ({@code types}, {@code primaryType},
     * {@code domain}, {@code message}), so that a wallet can sign exactly what this class verifies.
     */
    public static String toJson(Eip712Domain domain, TypedStruct message) {
        Map<String, Object> types = new LinkedHashMap<>();
        types.put("EIP712Domain", List.of(
                field("name", "string"), field("version", "string"),
                field("chainId", "uint256"), field("verifyingContract", "address")));
        types.put(message.typeName(), message.fields().stream().map(f -> field(f.name(), f.type())).toList());
        Map<String, Object> domainJson = new LinkedHashMap<>();
        domainJson.put("name", domain.name());
        domainJson.put("version", domain.version());
        domainJson.put("chainId", domain.chainId());
        domainJson.put("verifyingContract", domain.verifyingContract().checksummed());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("types", types);
        root.put("primaryType", message.typeName());
        root.put("domain", domainJson);
        root.put("message", message.message());
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("typed data is always serialisable", e);
        }
    }

    private static Map<String, String> field(String name, String type) {
        Map<String, String> field = new LinkedHashMap<>();
        field.put("name", name);
        field.put("type", type);
        return field;
    }
}
