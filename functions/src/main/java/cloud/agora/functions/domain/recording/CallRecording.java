package cloud.agora.functions.domain.recording;

import java.util.List;

/**
 * One answered call to record.
 *
 * @param call        what is kept of the call
 * @param receiptJson the receipt as the agent returned it (provider-signed), or null when there was none
 * @param lines       its stderr lines
 * @param witnessed   the hash of the receipt the gateway witnesses, or null when it witnesses none
 */
public record CallRecording(InvocationRecord call, String receiptJson, List<String> lines, byte[] witnessed) {
}
