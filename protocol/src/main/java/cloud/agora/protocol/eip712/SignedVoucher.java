package cloud.agora.protocol.eip712;

import cloud.agora.protocol.eth.Address;
import java.util.Objects;
import org.web3j.crypto.ECKeyPair;

/**
 * A voucher with its EIP-712 signature (0x r‖s‖v hex), as billing hands it to a provider and the
 * provider submits it to {@code AgoraEscrow.redeem}.
 */
public record SignedVoucher(Voucher voucher, String signature) {

    public SignedVoucher {
        Objects.requireNonNull(voucher, "voucher");
        Objects.requireNonNull(signature, "signature");
    }

    /** Signs {@code voucher} for the escrow's {@code domain}. */
    public static SignedVoucher sign(Eip712Domain domain, Voucher voucher, ECKeyPair key) {
        return new SignedVoucher(voucher, TypedData.sign(domain, voucher, key));
    }

    /** Who signed it in {@code domain} (the consumer, or a delegate the consumer authorized). */
    public Address signer(Eip712Domain domain) {
        return TypedData.recoverSigner(domain, voucher, signature);
    }
}
