package cloud.agora.functions.domain.async;

import cloud.agora.protocol.eth.Address;

/**
 * An async invocation with what decides who may read it: the function's owner and the SHA-256 of the capability
 * returned at submission (null on rows from before capabilities).
 */
public record AsyncInvocationRecord(AsyncInvocation invocation, Address owner, byte[] capabilitySha256) {
}
