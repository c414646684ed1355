package cloud.agora.agent.runtime.kubernetes;

/**
 * Reads what a function Pod's container wrote on stdout: its log, as the kubelet kept it. Behind
 * its own interface because the API server only proxies this from the kubelet (no kubelet, no log:
 * the CRUD mock API server of the tests does not serve it).
 */
public interface PodLogs {

    /**
     * The container's log, at most {@code maxBytes} bytes (from the start).
     *
     * @throws cloud.agora.agent.runtime.RuntimeFailureException when it cannot be read
     */
    byte[] read(String namespace, String pod, String container, int maxBytes);
}
