package cloud.agora.launcher;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Calls one function every 100 ms from a thread of its own, recording each call; pauses (returning once no call is in
 * flight) and resumes. What a whole-system test keeps calling while it breaks the platform. With several gateways
 * the calls take turns through them.
 */
final class Traffic {

    /**
     * One call: when it started and ended, its status (-1: no answer, -2: a wrong one), invocation id, body and the
     * gateway it went through.
     */
    record Call(Instant started, Instant ended, int status, String invocation, String body, String gateway) {

        boolean answered() {
            return status == 200;
        }
    }

    private final String function;
    private final List<String> gateways;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final Object gate = new Object();
    private boolean running = true;
    private boolean paused;
    private boolean inCall;

    /** Calls {@code function} (an echo function: the answer must be its body) once started. */
    Traffic(String function) {
        this(function, List.of(PlatformCalls.FUNCTIONS));
    }

    /** Calls {@code function} through each of {@code gateways} in turn. */
    Traffic(String function, List<String> gateways) {
        this.function = function;
        this.gateways = List.copyOf(gateways);
        this.thread = new Thread(this::run, "traffic");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Every call so far (a live view). */
    List<Call> calls() {
        return calls;
    }

    /** The calls answered so far. */
    List<Call> answered() {
        return calls.stream().filter(Call::answered).toList();
    }

    /** The calls started after {@code since} and answered. */
    List<Call> answeredSince(Instant since) {
        return calls.stream().filter(c -> c.answered() && c.started().isAfter(since)).toList();
    }

    /** Waits (up to 120 s) for {@code n} calls started after {@code since} to be answered; returns them. */
    List<Call> awaitAnswered(Instant since, int n, String when) throws Exception {
        PlatformCalls.await(n + " calls answered " + when, Duration.ofSeconds(120), () -> answeredSince(since).size() >= n);
        return answeredSince(since);
    }

    private void run() {
        int n = 0;
        try {
            while (true) {
                synchronized (gate) {
                    while (paused && running) {
                        gate.wait();
                    }
                    if (!running) {
                        return;
                    }
                    inCall = true;
                }
                try {
                    call(n++);
                } finally {
                    synchronized (gate) {
                        inCall = false;
                        gate.notifyAll();
                    }
                }
                Thread.sleep(100); // well under the gateway's per-caller rate limit
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void call(int n) {
        Instant started = Instant.now();
        String gateway = gateways.get(n % gateways.size());
        try {
            HttpResponse<String> r = FunctionCalls.invoke(gateway, function, "call-" + n);
            boolean wrong = r.statusCode() == 200 && !r.body().equals("echo:call-" + n);
            calls.add(new Call(started, Instant.now(), wrong ? -2 : r.statusCode(),
                    r.headers().firstValue("Agora-Invocation-Id").orElse(""), wrong ? "wrong answer: " + r.body() : r.body(),
                    gateway));
        } catch (Exception e) {
            calls.add(new Call(started, Instant.now(), -1, "", e.toString(), gateway));
        }
    }

    /** Returns once no call is in flight; none starts until {@link #resume}. */
    void pause() throws InterruptedException {
        synchronized (gate) {
            paused = true;
            while (inCall) {
                gate.wait();
            }
        }
    }

    void resume() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    /** Ends the thread (after the call in flight). */
    void stop() throws InterruptedException {
        synchronized (gate) {
            running = false;
            gate.notifyAll();
        }
        thread.join(120_000);
    }
}
