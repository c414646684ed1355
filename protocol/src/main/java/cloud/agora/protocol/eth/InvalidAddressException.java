package cloud.agora.protocol.eth;

/** Text that is not an Ethereum address, or a mixed-case address with a wrong EIP-55 checksum. */
public class InvalidAddressException extends IllegalArgumentException {

    public InvalidAddressException(String text) {
        super("not an Ethereum address (0x and 40 hex digits, EIP-55 checksum if mixed case): " + text);
    }
}
