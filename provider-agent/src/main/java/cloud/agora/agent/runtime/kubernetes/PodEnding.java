package cloud.agora.agent.runtime.kubernetes;

import cloud.agora.protocol.invocation.InvocationOutcome;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * How a function Pod ended, read from its status as the kubelet reports it: the function
 * container's terminated state (exit code, reason {@code OOMKilled}, start and finish times,
 * termination message = the tail of stderr) and the Pod's reason {@code DeadlineExceeded}.
 *
 * @param outcome    OK (exit 0), FUNCTION_ERROR (other exit), OUT_OF_MEMORY (reason OOMKilled), TIMEOUT (DeadlineExceeded)
 * @param exitCode   the container's exit code, or -1 when the kubelet reported none (deadline before it ended)
 * @param stderr     the termination message (the wrapper writes the tail of stderr there), or empty
 * @param startedAt  when the container started, null if it never did
 * @param finishedAt when it ended, null if the kubelet did not say
 */
public record PodEnding(InvocationOutcome outcome, int exitCode, String stderr, Instant startedAt, Instant finishedAt) {

    /** Waiting reasons that mean the platform, not the function, failed: the Pod will never run. */
    static final Set<String> PLATFORM_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    /** The function's ending, or empty while it runs (or has not started). */
    public static Optional<PodEnding> of(Pod pod) {
        PodStatus status = pod.getStatus();
        if (status == null) {
            return Optional.empty();
        }
        ContainerState state = functionState(pod);
        ContainerStateTerminated terminated = state == null ? null : state.getTerminated();
        if ("DeadlineExceeded".equals(status.getReason())) {
            Instant started = terminated != null ? instant(terminated.getStartedAt())
                    : state != null && state.getRunning() != null ? instant(state.getRunning().getStartedAt()) : null;
            return Optional.of(new PodEnding(InvocationOutcome.TIMEOUT,
                    terminated == null || terminated.getExitCode() == null ? -1 : terminated.getExitCode(),
                    terminated == null ? "" : message(terminated), started,
                    terminated == null ? null : instant(terminated.getFinishedAt())));
        }
        if (terminated == null || terminated.getExitCode() == null) {
            return Optional.empty();
        }
        int exit = terminated.getExitCode();
        InvocationOutcome outcome = "OOMKilled".equals(terminated.getReason()) ? InvocationOutcome.OUT_OF_MEMORY
                : exit == 0 ? InvocationOutcome.OK : InvocationOutcome.FUNCTION_ERROR;
        return Optional.of(new PodEnding(outcome, exit, message(terminated), instant(terminated.getStartedAt()),
                instant(terminated.getFinishedAt())));
    }

    /**
     * Why the platform cannot run this Pod (image pull failed, container not creatable, Pod failed
     * or was evicted without the function ending), or empty.
     */
    public static Optional<String> platformFailure(Pod pod) {
        PodStatus status = pod.getStatus();
        if (status == null) {
            return Optional.empty();
        }
        ContainerState state = functionState(pod);
        if (state != null && state.getWaiting() != null && PLATFORM_FAILURES.contains(state.getWaiting().getReason())) {
            return Optional.of(state.getWaiting().getReason() + ": " + state.getWaiting().getMessage());
        }
        if ("Failed".equals(status.getPhase()) && of(pod).isEmpty()) {
            return Optional.of("pod failed: " + status.getReason() + " " + status.getMessage());
        }
        return Optional.empty();
    }

    /** Whether the function container started (it is running or has ended). */
    public static boolean started(Pod pod) {
        ContainerState state = functionState(pod);
        return state != null && (state.getRunning() != null || state.getTerminated() != null);
    }

    /** When the function container started running, if the kubelet said so. */
    public static Optional<Instant> runningSince(Pod pod) {
        ContainerState state = functionState(pod);
        return state == null || state.getRunning() == null ? Optional.empty()
                : Optional.ofNullable(instant(state.getRunning().getStartedAt()));
    }

    private static ContainerState functionState(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream().filter(c -> FunctionPods.CONTAINER.equals(c.getName()))
                .map(ContainerStatus::getState).filter(s -> s != null).findFirst().orElse(null);
    }

    private static String message(ContainerStateTerminated terminated) {
        return terminated.getMessage() == null ? "" : terminated.getMessage();
    }

    private static Instant instant(String time) {
        if (time == null || time.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
