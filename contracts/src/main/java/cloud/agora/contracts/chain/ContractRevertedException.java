package cloud.agora.contracts.chain;

import java.util.List;

/**
 * A contract call or transaction reverted. {@link #error()} is the Solidity custom error's name (e.g.
 * {@code AgoraEscrowStaleVoucher}), {@code Error} for a {@code require} message, {@code Panic} for a panic code,
 * or {@code unknown} when the node returned no revert data; {@link #args()} are its decoded arguments
 * ({@code Address}, {@code BigInteger}, {@code Bytes32}, {@code Boolean}, {@code String}).
 */
public class ContractRevertedException extends ChainException {

    private final String error;
    private final List<Object> args;
    private final String revertData;

    public ContractRevertedException(String error, List<Object> args, String revertData) {
        super("reverted with " + error + args.toString().replace('[', '(').replace(']', ')'));
        this.error = error;
        this.args = List.copyOf(args);
        this.revertData = revertData;
    }

    /** The custom error's name. */
    public String error() {
        return error;
    }

    /** The custom error's arguments, in declaration order. */
    public List<Object> args() {
        return args;
    }

    /** The raw revert data (0x-prefixed hex), empty when the node gave none. */
    public String revertData() {
        return revertData;
    }
}
