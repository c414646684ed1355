package cloud.agora.protocol.eip712;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.Keccak256;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An EIP-712 signing domain with all four fields the platform uses: {@code name}, {@code version},
 * {@code chainId} and {@code verifyingContract}. The chain id and the contract address are what stop a
 * signature made for one chain or one deployment from being replayed on another.
 */
public record Eip712Domain(String name, String version, long chainId, Address verifyingContract) {

    /** The domain name of vouchers, verified by {@code AgoraEscrow}. */
    public static final String ESCROW_NAME = "Agora Escrow";
    /** The domain name of votes, bound to the {@code AgoraToken} address. */
    public static final String GOVERNANCE_NAME = "Agora Governance";
    /** The one version both domains have. */
    public static final String VERSION = "1";

    static final String ENCODED_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
    private static final byte[] TYPE_HASH = Keccak256.hash(ENCODED_TYPE.getBytes(StandardCharsets.UTF_8));

    public Eip712Domain {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(verifyingContract, "verifyingContract");
        if (chainId <= 0) {
            throw new IllegalArgumentException("a chain id is positive, got " + chainId);
        }
    }

    /** The domain of vouchers redeemed at the escrow deployed at {@code escrow} on chain {@code chainId}. */
    public static Eip712Domain escrow(long chainId, Address escrow) {
        return new Eip712Domain(ESCROW_NAME, VERSION, chainId, escrow);
    }

    /** The domain of votes weighted by the token deployed at {@code token} on chain {@code chainId}. */
    public static Eip712Domain governance(long chainId, Address token) {
        return new Eip712Domain(GOVERNANCE_NAME, VERSION, chainId, token);
    }

    /** {@code hashStruct(EIP712Domain)}: the domain separator a contract's {@code _domainSeparatorV4()} returns. */
    public Bytes32 separator() {
        return Bytes32.of(Keccak256.hash(AbiWords.concat(
                TYPE_HASH,
                Keccak256.hash(name.getBytes(StandardCharsets.UTF_8)),
                Keccak256.hash(version.getBytes(StandardCharsets.UTF_8)),
                AbiWords.uint256(BigInteger.valueOf(chainId)),
                AbiWords.address(verifyingContract))));
    }
}
