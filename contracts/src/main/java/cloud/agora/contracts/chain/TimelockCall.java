package cloud.agora.contracts.chain;

import cloud.agora.protocol.eth.Address;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One call a timelock operation makes when it is executed: {@code target} is called with {@code data} and no ether.
 * Built by the contract ports ({@link Escrow#setFeeCall(int)}, {@link Timelock#updateDelayCall(java.time.Duration)}),
 * so that nobody hand-encodes calldata.
 *
 * @param target the contract called
 * @param data   the ABI-encoded call (selector and arguments), 0x-prefixed lower-case hex
 */
public record TimelockCall(Address target, String data) {

    private static final Pattern HEX = Pattern.compile("0x([0-9a-f]{2})*");

    public TimelockCall {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(data, "data");
        data = data.toLowerCase(java.util.Locale.ROOT);
        if (!HEX.matcher(data).matches() || data.length() < 10) {
            throw new IllegalArgumentException("calldata is 0x, a 4-byte selector and its arguments: " + data);
        }
    }
}
