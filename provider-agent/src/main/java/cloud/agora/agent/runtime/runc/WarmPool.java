package cloud.agora.agent.runtime.runc;

import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Workload;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Keeps up to {@code maxIdle} idle containers ({@link WarmContainer}s for exec-mode functions, {@link HttpContainer}s
 * for HTTP-mode ones) per function (lease + runtime + bundle + command + mode + environment) so that repeat calls skip container creation; an idle container older
 * than {@code idleTimeout} is removed by {@link #evictIdle()}. A container serves one call at
 * a time; a busy function gets more containers, and the surplus is removed on release.
 */
final class WarmPool {

    private final RuncRuntime runtime;
    private final int maxIdle;
    private final Duration idleTimeout;
    private final Clock clock;
    private final Map<Key, Deque<PooledContainer>> idle = new HashMap<>();

    WarmPool(RuncRuntime runtime, int maxIdle, Duration idleTimeout, Clock clock) {
        this.runtime = runtime;
        this.maxIdle = maxIdle;
        this.idleTimeout = idleTimeout;
        this.clock = clock;
    }

    InvocationResult invoke(Workload workload, FunctionSpec function, InvocationRequest request) {
        Key key = new Key(workload.leaseId(), function);
        PooledContainer container = take(key);
        boolean reused = container != null;
        if (container == null) {
            container = function.mode() == FunctionSpec.Mode.HTTP ? HttpContainer.start(runtime, workload, function)
                    : WarmContainer.start(runtime, workload, function);
        }
        try {
            InvocationResult result = container.invoke(workload, request, reused);
            release(key, container);
            return result;
        } catch (RuntimeException e) {
            container.broken = true;
            release(key, container);
            throw e;
        }
    }

    int evictIdle() {
        List<PooledContainer> expired = new ArrayList<>();
        synchronized (this) {
            for (Deque<PooledContainer> containers : idle.values()) {
                for (Iterator<PooledContainer> it = containers.iterator(); it.hasNext();) {
                    PooledContainer c = it.next();
                    if (!c.idleSince.plus(idleTimeout).isAfter(clock.instant())) {
                        it.remove();
                        expired.add(c);
                    }
                }
            }
            idle.values().removeIf(Deque::isEmpty);
        }
        expired.forEach(PooledContainer::destroy);
        return expired.size();
    }

    synchronized int idleCount() {
        return idle.values().stream().mapToInt(Deque::size).sum();
    }

    void removeLease(UUID leaseId) {
        List<PooledContainer> removed = new ArrayList<>();
        synchronized (this) {
            idle.entrySet().removeIf(e -> {
                if (e.getKey().leaseId.equals(leaseId)) {
                    removed.addAll(e.getValue());
                    return true;
                }
                return false;
            });
        }
        removed.forEach(PooledContainer::destroy);
    }

    void close() {
        List<PooledContainer> all = new ArrayList<>();
        synchronized (this) {
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        all.forEach(PooledContainer::destroy);
    }

    private synchronized PooledContainer take(Key key) {
        Deque<PooledContainer> containers = idle.get(key);
        return containers == null ? null : containers.pollFirst();
    }

    private void release(Key key, PooledContainer container) {
        if (!container.broken) {
            synchronized (this) {
                Deque<PooledContainer> containers = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
                if (containers.size() < maxIdle) {
                    container.idleSince = clock.instant();
                    containers.addFirst(container);
                    return;
                }
            }
        }
        runtime.removeLater(container::destroy); // after the call's answer
    }

    private record Key(UUID leaseId, FunctionSpec function) {
    }
}
