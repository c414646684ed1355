package cloud.agora.agent.invocation;

import cloud.agora.agent.bundle.BundleStore;
import cloud.agora.agent.journal.ReceiptJournal;
import cloud.agora.agent.lease.LeaseReconciler;
import cloud.agora.agent.metering.ReceiptSigner;
import cloud.agora.agent.image.ImageStore;
import cloud.agora.agent.image.PreparedImage;
import cloud.agora.agent.runtime.FunctionSpec;
import cloud.agora.agent.runtime.InvocationRequest;
import cloud.agora.agent.runtime.InvocationResult;
import cloud.agora.agent.runtime.Limits;
import cloud.agora.agent.runtime.Workload;
import cloud.agora.agent.runtime.WorkloadRuntime;
import cloud.agora.protocol.invocation.InvocationGrant;
import cloud.agora.protocol.market.LeaseView;
import cloud.agora.protocol.usage.UsageReceipt;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Runs one call the platform gateway authorized (see {@link InvocationGrants}) for a lease this provider holds:
 * resolves the function's bundle by CID, runs it under the lease's limits, signs the usage receipt naming the grant
 * and journals it (fsync) before the result is returned, so that nothing answered is ever unbilled and nothing
 * unauthorized is ever billed. On any refusal nothing runs and nothing is journaled.
 */
public final class InvocationRunner {

    private final InvocationGrants grants;
    private final LeaseReconciler reconciler;
    private final WorkloadRuntime runtime;
    private final ReceiptSigner signer;
    private final ReceiptJournal journal;
    private final BundleStore bundles;
    private final Duration maxTimeout;
    private final Clock clock;
    private final ImageStore images;

    public InvocationRunner(InvocationGrants grants, LeaseReconciler reconciler, WorkloadRuntime runtime, ReceiptSigner signer,
            ReceiptJournal journal, BundleStore bundles, Duration maxTimeout, Clock clock, ImageStore images) {
        this.grants = grants;
        this.reconciler = reconciler;
        this.runtime = runtime;
        this.signer = signer;
        this.journal = journal;
        this.bundles = bundles;
        this.maxTimeout = maxTimeout;
        this.clock = clock;
        this.images = images;
    }

    /** Largest total size of a call's function environment (names and values). */
    static final int MAX_ENV_BYTES = 64 * 1024;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /**
     * The call to run.
     *
     * @param grant         the gateway's signed authorization of exactly this call
     * @param env           the function's own environment (from its spec, secrets already opened)
     * @param environment   the call's metadata ({@code AGORA_METHOD}, {@code HTTP_*}, ...); wins over {@code env}
     * @param timeoutMillis null means the grant's
     * @param mode          {@code exec} (null) or {@code http}
     * @param http          the original request line and headers (what an HTTP-mode function receives)
     */
    public record Call(InvocationGrant grant, UUID invocationId, UUID leaseId, String runtime, String bundle,
            List<String> command, byte[] body, Map<String, String> env, Map<String, String> environment, Long timeoutMillis,
            String mode, InvocationRequest.HttpCall http) {

        /** An exec-mode call. */
        public Call(InvocationGrant grant, UUID invocationId, UUID leaseId, String runtime, String bundle,
                List<String> command, byte[] body, Map<String, String> env, Map<String, String> environment,
                Long timeoutMillis) {
            this(grant, invocationId, leaseId, runtime, bundle, command, body, env, environment, timeoutMillis, null, null);
        }
    }

    /** What the call did and its journaled receipt. */
    public record Completed(InvocationResult result, UsageReceipt receipt) {
    }

    /**
     * Runs the call.
     *
     * @throws cloud.agora.agent.gateway.GrantRejectedException when the grant is missing, not trusted, expired, for
     *                                                          another provider, does not match the call, or was used
     * @throws InvocationRejectedException when the lease is not held, the bundle cannot be had (see {@link BundleStore}),
     *                                     the call is malformed or already ran, or the journal has no room (507
     *                                     {@code journal-full}: nothing runs, or what ran is not answered)
     */
    public Completed run(Call call) {
        if (call.invocationId() == null || call.leaseId() == null) {
            throw new InvocationRejectedException(400, "invalid-invocation", "Invalid invocation",
                    "invocationId and leaseId are required", null);
        }
        LeaseView lease = grants.authorize(call.grant(), call.invocationId(), call.leaseId(), call.bundle(), call.timeoutMillis(),
                clock.instant());
        Map<String, String> environment = environment(call);
        FunctionSpec.Mode mode;
        try {
            mode = FunctionSpec.Mode.of(call.mode());
        } catch (IllegalArgumentException e) {
            throw invalid(call, e.getMessage());
        }
        boolean image = FunctionSpec.IMAGE.equals(call.runtime());
        if (image && mode != FunctionSpec.Mode.HTTP) {
            throw invalid(call, "an image function runs in http mode (a server on $PORT)");
        }
        if (!image && (call.command() == null || call.command().isEmpty())) {
            throw new InvocationRejectedException(400, "invalid-invocation", "Invalid invocation", "a command is required",
                    call.leaseId());
        }
        Duration timeout = Duration.ofMillis(call.timeoutMillis() == null ? call.grant().timeoutMillis() : call.timeoutMillis());
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(maxTimeout) > 0) {
            throw new InvocationRejectedException(400, "invalid-invocation", "Invalid invocation",
                    "timeout must be positive and at most " + maxTimeout, call.leaseId());
        }
        if (!journal.hasRoom()) {
            throw journalFull(call, "its file system is short of space");
        }
        grants.claim(call.grant(), clock.instant());
        Workload base = reconciler.workloadOf(lease);
        Limits limits = new Limits(base.limits().memoryMiB(), base.limits().cpuMillis(), base.limits().pids(), timeout);
        Workload workload = new Workload(lease.id(), lease.owner(), limits);
        // an HTTP server gets the function's environment when it starts, and each call's metadata as HTTP
        Map<String, String> serverEnv = mode == FunctionSpec.Mode.HTTP && call.env() != null ? call.env() : Map.of();
        FunctionSpec function = image ? imageFunction(call, images.image(call.bundle(), lease.id()), serverEnv)
                : new FunctionSpec(call.runtime() == null ? "shell" : call.runtime(), bundles.resolve(call.bundle(), lease.id()),
                        call.command(), mode, serverEnv);
        grants.stillValid(call.grant(), clock.instant());
        InvocationResult result = runtime.invoke(workload, function,
                new InvocationRequest(call.invocationId(), call.body(), environment, call.http()));
        UsageReceipt receipt = signer.sign(call.invocationId(), lease.id(), lease.owner(), result.usage(), call.grant());
        try {
            journal.append(receipt);
        } catch (ReceiptJournal.JournalFullException e) {
            throw journalFull(call, e.getMessage()); // ran, but not answered: nothing unbilled leaves the agent
        }
        return new Completed(result, receipt);
    }

    private static InvocationRejectedException journalFull(Call call, String why) {
        return new InvocationRejectedException(507, "journal-full", "Receipt journal full",
                "this agent cannot journal a receipt now (" + why + "); try another replica", call.leaseId());
    }

    private static FunctionSpec imageFunction(Call call, PreparedImage image, Map<String, String> env) {
        try {
            return image.function(call.command(), env);
        } catch (IllegalArgumentException e) {
            throw invalid(call, e.getMessage());
        }
    }

    /**
     * The container's environment: the function's {@code env}, then the call's metadata over it.
     * Names must be shell names and may not start with {@code AGORA_} (the platform's); values
     * may not hold NUL (the kernel cannot pass it).
     */
    private static Map<String, String> environment(Call call) {
        Map<String, String> merged = new LinkedHashMap<>();
        if (call.env() != null) {
            long bytes = 0;
            for (Map.Entry<String, String> e : call.env().entrySet()) {
                String name = e.getKey();
                String value = e.getValue() == null ? "" : e.getValue();
                if (name == null || !ENV_NAME.matcher(name).matches()) {
                    throw invalid(call, "env name '" + name + "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*, at most 128)");
                }
                if (name.startsWith("AGORA_")) {
                    throw invalid(call, "env name " + name + " is reserved: AGORA_* variables are the platform's");
                }
                if (value.indexOf('\0') >= 0) {
                    throw invalid(call, "env value of " + name + " holds a NUL character");
                }
                bytes += name.length() + value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2;
                if (bytes > MAX_ENV_BYTES) {
                    throw invalid(call, "env holds more than " + MAX_ENV_BYTES + " bytes");
                }
                merged.put(name, value);
            }
        }
        if (call.environment() != null) {
            merged.putAll(call.environment());
        }
        return merged;
    }

    private static InvocationRejectedException invalid(Call call, String detail) {
        return new InvocationRejectedException(400, "invalid-invocation", "Invalid invocation", detail, call.leaseId());
    }
}
