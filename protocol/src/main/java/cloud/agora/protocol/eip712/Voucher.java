package cloud.agora.protocol.eip712;

import cloud.agora.protocol.eth.Address;
import cloud.agora.protocol.eth.Keccak256;
import cloud.agora.protocol.money.Wei;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A cumulative payment promise from a consumer (developer) to a provider:
 * {@code Voucher(address consumer,address provider,uint256 cumulativeAmount,bytes32 receiptsRoot)} in the
 * "Agora Escrow" domain. Redeeming it pays the provider {@code cumulativeAmount} minus what was already
 * redeemed for the pair, so only the newest voucher matters and an old one pays nothing.
 *
 * @param consumer         whose escrow balance pays
 * @param provider         who is paid
 * @param cumulativeAmount everything owed for the pair so far, in wei
 * @param receiptsRoot     the Merkle root of the usage receipts this voucher pays for
 */
public record Voucher(Address consumer, Address provider, Wei cumulativeAmount, Bytes32 receiptsRoot)
        implements TypedStruct {

    static final List<Field> FIELDS = List.of(
            new Field("consumer", "address"),
            new Field("provider", "address"),
            new Field("cumulativeAmount", "uint256"),
            new Field("receiptsRoot", "bytes32"));

    /** {@code keccak256("Voucher(address consumer,address provider,uint256 cumulativeAmount,bytes32 receiptsRoot)")}. */
    public static final Bytes32 TYPE_HASH = Bytes32.of(Keccak256.hash(
            "Voucher(address consumer,address provider,uint256 cumulativeAmount,bytes32 receiptsRoot)"
                    .getBytes(StandardCharsets.UTF_8)));

    public Voucher {
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(cumulativeAmount, "cumulativeAmount");
        Objects.requireNonNull(receiptsRoot, "receiptsRoot");
    }

    @Override
    public String typeName() {
        return "Voucher";
    }

    @Override
    public List<Field> fields() {
        return FIELDS;
    }

    @Override
    public Map<String, Object> message() {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("consumer", consumer.checksummed());
        message.put("provider", provider.checksummed());
        message.put("cumulativeAmount", cumulativeAmount.toString());
        message.put("receiptsRoot", receiptsRoot.hex());
        return message;
    }

    @Override
    public Bytes32 hashStruct() {
        return Bytes32.of(Keccak256.hash(AbiWords.concat(
                TYPE_HASH.toBytes(),
                AbiWords.address(consumer),
                AbiWords.address(provider),
                AbiWords.uint256(cumulativeAmount.value()),
                receiptsRoot.toBytes())));
    }
}
