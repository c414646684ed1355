package cloud.agora.support.openapi;

import cloud.agora.support.problem.PlatformProblem;
import cloud.agora.support.problem.ProblemKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Where the code builds problem responses, read from its bytecode, so that the OpenAPI document and its contract test
 * name problems exactly as the code does and no slug is written twice.
 *
 * <p>A problem is built by constructing a {@code ProblemException} (its status, slug and title are the constants its
 * constructor passes up, or — for a class whose constructor passes them through — the constants at each place that
 * constructs it), by {@code Problem.of(status, slug, title, ...)} with constants, or by a {@link PlatformProblem}.
 * {@code StoreException} is {@code 503 database-unavailable} and {@code InvalidAddressException} {@code 400
 * invalid-address} ({@code ProblemMappers}); the latter counts only where the request's own values are parsed (the
 * method reached first and what it calls directly), since deeper parsing reads addresses the platform stored. A value the code computes (a status chosen at run time, another library's
 * slug) gives a kind with what is constant and null for the rest.
 *
 * <p>{@link #reachableFrom} follows calls within the platform's own classes ({@code cloud.agora.*}): virtual and
 * interface calls to every known implementation, lambdas and method references to their bodies. It over-approximates
 * (a branch never taken still counts) and misses what the platform's code does not construct itself.
 *
 * <p>ASM is a build-time library here (provided scope): the OpenAPI filter runs at build time and the contract tests
 * in the test JVM, where Quarkus's build brings it; nothing at run time uses this class.
 */
public final class ProblemSites {

    static final String PROBLEM_EXCEPTION = "cloud/agora/support/problem/ProblemException";
    private static final String PROBLEM = "cloud/agora/support/problem/Problem";
    private static final String PLATFORM_PROBLEM = Type.getInternalName(PlatformProblem.class);
    private static final String PLATFORM_CODE = "cloud/agora/";
    private static final String INVALID_ADDRESS = "cloud/agora/protocol/eth/InvalidAddressException";
    private static final Map<String, PlatformProblem> MAPPED = Map.of(
            "cloud/agora/support/jdbc/StoreException", PlatformProblem.DATABASE_UNAVAILABLE,
            INVALID_ADDRESS, PlatformProblem.INVALID_ADDRESS);

    private final ClassLoader loader;
    private final Map<String, Optional<ClassNode>> classes = new HashMap<>();
    private final Map<String, Set<String>> subtypes = new HashMap<>();
    private final Map<String, Template> templates = new HashMap<>();
    private final Map<String, MethodFacts> facts = new HashMap<>();
    private final Map<String, Set<ProblemKind>> mappers = new HashMap<>();

    /**
     * @param loader     reads the classes' bytes
     * @param classNames every platform class (binary names) whose implementations of a called interface or overrides
     *                   count
     */
    public ProblemSites(ClassLoader loader, Collection<String> classNames) {
        this.loader = loader;
        for (String name : classNames) {
            node(name.replace('.', '/')).ifPresent(c -> {
                if (c.superName != null) {
                    subtypes.computeIfAbsent(c.superName, k -> new HashSet<>()).add(c.name);
                }
                for (String i : c.interfaces) {
                    subtypes.computeIfAbsent(i, k -> new HashSet<>()).add(c.name);
                }
            });
        }
    }

    /**
     * Counts constructing {@code exception} (internal name) as the problems a service's own exception mapper makes of it
     * ({@code @ServerExceptionMapper} of a platform exception that is no {@code ProblemException}). Call before any
     * analysis.
     */
    public void mapped(String exception, Set<ProblemKind> kinds) {
        mappers.put(exception.replace('.', '/'), kinds);
    }

    /** Whether constructing this exception (internal name) is a problem only through an exception mapper. */
    public boolean isMapped(String exception) {
        return exception != null && (MAPPED.containsKey(exception) || mappers.containsKey(exception));
    }

    /** The problems a JAX-RS exception mapper of the platform makes of this exception, if any. */
    public static Optional<PlatformProblem> mapped(Class<?> exception) {
        for (Class<?> c = exception; c != null; c = c.getSuperclass()) {
            PlatformProblem p = MAPPED.get(Type.getInternalName(c));
            if (p != null) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The kinds of problem an exception class stands for: its constructors' constants, or, when a constructor passes
     * status and slug through, the constants at every place in the known classes that constructs it.
     */
    public Set<ProblemKind> kindsOf(String className) {
        String name = className.replace('.', '/');
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        PlatformProblem mapped = MAPPED.get(name);
        if (mapped != null) {
            kinds.add(ProblemKind.of(mapped));
            return kinds;
        }
        if (mappers.containsKey(name)) {
            return new LinkedHashSet<>(mappers.get(name));
        }
        ClassNode c = node(name).orElseThrow(() -> new IllegalArgumentException("no class " + className));
        boolean passesThrough = false;
        for (MethodNode m : c.methods) {
            if (m.name.equals("<init>")) {
                Template t = template(name, m.desc);
                if (t.isConstant()) {
                    kinds.add(t.constant());
                } else {
                    passesThrough = true;
                }
            }
        }
        if (passesThrough) {
            for (String known : allKnown()) {
                for (MethodNode m : node(known).map(n -> n.methods).orElse(List.of())) {
                    for (Built b : facts(known, m).built) {
                        if (name.equals(b.exception) && b.kind.slug() != null) {
                            kinds.add(b.kind);
                        }
                    }
                }
            }
        }
        return kinds;
    }

    /** What the method and everything it calls in the platform's code can build: the problem kinds and where. */
    public Set<Built> reachableFrom(Class<?> owner, String method, String descriptor) {
        return reachableFrom(Type.getInternalName(owner), method, descriptor);
    }

    /** As {@link #reachableFrom(Class, String, String)}, from every method of that name. */
    public Set<Built> reachableFrom(String owner, String method) {
        Set<Built> built = new LinkedHashSet<>();
        node(owner).ifPresent(c -> c.methods.stream().filter(m -> m.name.equals(method))
                .forEach(m -> built.addAll(reachableFrom(owner, method, m.desc))));
        return built;
    }

    /** As {@link #reachableFrom(Class, String, String)}, the owner by internal name. */
    public Set<Built> reachableFrom(String owner, String method, String descriptor) {
        Set<Built> built = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        Deque<String[]> todo = new ArrayDeque<>();
        todo.add(new String[] {owner, method, descriptor, "0"});
        while (!todo.isEmpty()) {
            String[] call = todo.poll();
            String key = call[0] + "." + call[1] + call[2];
            if (!seen.add(key)) {
                continue;
            }
            int depth = Integer.parseInt(call[3]);
            Optional<ClassNode> c = node(call[0]);
            if (c.isEmpty()) {
                continue;
            }
            for (MethodNode m : c.get().methods) {
                if (m.name.equals(call[1]) && m.desc.equals(call[2])) {
                    MethodFacts f = facts(call[0], m);
                    for (Built b : f.built) {
                        // an address the client sent is parsed where the request is read; one parsed deeper is
                        // stored data, which the platform wrote valid
                        if (depth <= 1 || !INVALID_ADDRESS.equals(b.exception)) {
                            built.add(b);
                        }
                    }
                    for (String[] next : f.calls) {
                        todo.add(new String[] {next[0], next[1], next[2], String.valueOf(depth + 1)});
                    }
                }
            }
        }
        return built;
    }

    /**
     * A problem the code builds.
     *
     * @param kind      what it is
     * @param exception the exception class constructed (internal name), or null for a {@code Problem} built directly
     * @param where     the class and method building it
     */
    public record Built(ProblemKind kind, String exception, String where) {
    }

    // ---------------------------------------------------------------------------------------------------------------

    private Set<String> allKnown() {
        Set<String> all = new HashSet<>();
        subtypes.forEach((k, v) -> all.addAll(v));
        return all;
    }

    private Optional<ClassNode> node(String internalName) {
        return classes.computeIfAbsent(internalName, n -> {
            try (InputStream in = loader.getResourceAsStream(n + ".class")) {
                if (in == null) {
                    return Optional.empty();
                }
                ClassNode c = new ClassNode();
                new ClassReader(in).accept(c, ClassReader.SKIP_FRAMES);
                return Optional.of(c);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    boolean isProblem(String internalName) {
        for (String n = internalName; n != null && !n.equals("java/lang/Object"); ) {
            if (n.equals(PROBLEM_EXCEPTION)) {
                return true;
            }
            Optional<ClassNode> c = n.startsWith(PLATFORM_CODE) ? node(n) : Optional.empty();
            n = c.map(x -> x.superName).orElse(null);
        }
        return false;
    }

    /** Facts of one method: the problems it builds itself and the platform methods it may call. */
    private record MethodFacts(List<Built> built, List<String[]> calls) {
    }

    private MethodFacts facts(String owner, MethodNode m) {
        return facts.computeIfAbsent(owner + "." + m.name + m.desc, k -> analyse(owner, m));
    }

    private MethodFacts analyse(String owner, MethodNode m) {
        List<Built> built = new ArrayList<>();
        List<String[]> calls = new ArrayList<>();
        if ((m.access & Opcodes.ACC_ABSTRACT) != 0 || m.instructions.size() == 0) {
            return new MethodFacts(built, calls);
        }
        Frame<SourceValue>[] frames = frames(owner, m);
        String where = owner.replace('/', '.') + "." + m.name;
        for (int i = 0; i < m.instructions.size(); i++) {
            AbstractInsnNode insn = m.instructions.get(i);
            if (frames[i] == null) {
                continue;
            }
            if (insn instanceof MethodInsnNode call) {
                Type[] args = Type.getArgumentTypes(call.desc);
                int depth = frames[i].getStackSize();
                if (call.name.equals("<init>") && isProblem(call.owner) && !(m.name.equals("<init>")
                        && isThisCall(frames[i], depth - args.length - 1, owner, m))) {
                    Template t = template(call.owner, call.desc);
                    for (ProblemKind kind : kindsAt(owner, m, frames, i, depth - args.length, t)) {
                        built.add(new Built(kind, call.owner, where));
                    }
                } else if (call.getOpcode() == Opcodes.INVOKESTATIC && call.owner.equals(PROBLEM)
                        && call.name.equals("of") && args.length >= 3
                        && !answersCaught(frames[i].getStack(depth - args.length))) {
                    Template t = new Template(Source.param(0), Source.param(1), Source.param(2));
                    for (ProblemKind kind : kindsAt(owner, m, frames, i, depth - args.length, t)) {
                        built.add(new Built(kind, null, where));
                    }
                } else if (call.owner.equals(PLATFORM_PROBLEM) && call.getOpcode() == Opcodes.INVOKEVIRTUAL
                        && call.name.equals("with")) {
                    for (AbstractInsnNode source : frames[i].getStack(depth - args.length - 1).insns) {
                        if (source instanceof FieldInsnNode f && f.owner.equals(PLATFORM_PROBLEM)) {
                            built.add(new Built(ProblemKind.of(PlatformProblem.valueOf(f.name)), null, where));
                        }
                    }
                }
                if (call.owner.startsWith(PLATFORM_CODE) && !call.owner.equals(PLATFORM_PROBLEM)) {
                    targets(call.owner, call.name, call.desc, call.getOpcode() == Opcodes.INVOKESTATIC
                            || call.getOpcode() == Opcodes.INVOKESPECIAL).forEach(calls::add);
                }
            } else if (insn instanceof TypeInsnNode type && type.getOpcode() == Opcodes.NEW
                    && MAPPED.containsKey(type.desc)) {
                built.add(new Built(ProblemKind.of(MAPPED.get(type.desc)), type.desc, where));
            } else if (insn instanceof TypeInsnNode type && type.getOpcode() == Opcodes.NEW
                    && mappers.containsKey(type.desc)) {
                mappers.get(type.desc).forEach(kind -> built.add(new Built(kind, type.desc, where)));
            } else if (insn instanceof InvokeDynamicInsnNode indy) {
                for (Object arg : indy.bsmArgs) {
                    if (arg instanceof Handle h && h.getOwner().startsWith(PLATFORM_CODE)) {
                        if (h.getTag() == Opcodes.H_NEWINVOKESPECIAL && isProblem(h.getOwner())) {
                            Template t = template(h.getOwner(), h.getDesc());
                            for (ProblemKind kind : t.unresolved()) {
                                built.add(new Built(kind, h.getOwner(), where));
                            }
                        }
                        targets(h.getOwner(), h.getName(), h.getDesc(), h.getTag() == Opcodes.H_INVOKESTATIC
                                || h.getTag() == Opcodes.H_NEWINVOKESPECIAL || h.getTag() == Opcodes.H_INVOKESPECIAL)
                                .forEach(calls::add);
                    }
                }
            }
        }
        return new MethodFacts(built, calls);
    }

    /** A status read from a caught problem ({@code Problem.of(e.status(), e.slug(), ...)}): counted where it is built. */
    private boolean answersCaught(SourceValue status) {
        return status.insns.stream().anyMatch(insn -> insn instanceof MethodInsnNode call && call.name.equals("status")
                && isProblem(call.owner));
    }

    private static boolean isThisCall(Frame<SourceValue> frame, int receiver, String owner, MethodNode m) {
        // a constructor's own super(...) or this(...) call: its receiver is local 0 as the constructor received it
        if (receiver < 0) {
            return false;
        }
        for (AbstractInsnNode insn : frame.getStack(receiver).insns) {
            if (!(insn instanceof VarInsnNode v && v.var == 0)) {
                return false;
            }
        }
        return !frame.getStack(receiver).insns.isEmpty();
    }

    /** The methods a call may run: the declaration it binds to and, unless static or special, every override. */
    private List<String[]> targets(String owner, String name, String desc, boolean exact) {
        List<String[]> targets = new ArrayList<>();
        targets.add(new String[] {declaring(owner, name, desc), name, desc});
        if (!exact) {
            Deque<String> todo = new ArrayDeque<>(subtypes.getOrDefault(owner, Set.of()));
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String sub = todo.poll();
                if (!seen.add(sub)) {
                    continue;
                }
                targets.add(new String[] {sub, name, desc});
                todo.addAll(subtypes.getOrDefault(sub, Set.of()));
            }
        }
        return targets;
    }

    /** The class up {@code owner}'s superclass chain that declares the method (the call's owner if none is known). */
    private String declaring(String owner, String name, String desc) {
        for (String n = owner; n != null && n.startsWith(PLATFORM_CODE); ) {
            Optional<ClassNode> c = node(n);
            if (c.isEmpty()) {
                break;
            }
            if (c.get().methods.stream().anyMatch(m -> m.name.equals(name) && m.desc.equals(desc))) {
                return n;
            }
            n = c.get().superName;
        }
        return owner;
    }

    @SuppressWarnings("unchecked")
    private static Frame<SourceValue>[] frames(String owner, MethodNode m) {
        try {
            return new Analyzer<>(new SourceInterpreter()).analyze(owner, m);
        } catch (AnalyzerException e) {
            return new Frame[m.instructions.size()];
        }
    }

    // --- what a problem exception's constructor does with status, slug and title ---------------------------------

    /** Where status, slug and title of a constructor come from: a constant, or one of its parameters. */
    private record Source(Object constant, int param) {
        static Source param(int index) {
            return new Source(null, index);
        }

        static Source constant(Object value) {
            return new Source(value, -1);
        }

        static final Source UNKNOWN = new Source(null, -1);
    }

    private record Template(Source status, Source slug, Source title) {
        static final Template UNKNOWN = new Template(Source.UNKNOWN, Source.UNKNOWN, Source.UNKNOWN);

        boolean isConstant() {
            return status.param < 0 && slug.param < 0 && slug.constant != null;
        }

        ProblemKind constant() {
            return new ProblemKind(status.constant instanceof Integer s ? s : 0, (String) slug.constant,
                    (String) title.constant);
        }

        /** The kinds when nothing is known of the arguments (a constructor reference). */
        Set<ProblemKind> unresolved() {
            return Set.of(new ProblemKind(status.constant instanceof Integer s ? s : 0,
                    slug.param < 0 ? (String) slug.constant : null, title.param < 0 ? (String) title.constant : null));
        }

        /** The values of a call's status, slug and title, its first argument at stack index {@code base} of frame i. */
        List<List<Object>> values(Frame<SourceValue>[] frames, MethodNode m, int i, int base) {
            return List.of(values(status, frames, m, i, base), values(slug, frames, m, i, base),
                    values(title, frames, m, i, base));
        }

        private static List<Object> values(Source source, Frame<SourceValue>[] frames, MethodNode m, int i, int base) {
            if (source.param < 0) {
                return java.util.Collections.singletonList(source.constant);
            }
            List<Object> values = new ArrayList<>();
            constants(frames[i].getStack(base + source.param), frames, m, values, 0);
            return values.isEmpty() ? java.util.Collections.singletonList(null) : values;
        }
    }

    /** A value that is the analysed method's parameter: resolved at the method's call sites in its own class. */
    private record Param(int index) {
    }

    /**
     * The kinds a problem construction (or {@code Problem.of}) builds; where status, slug or title is a parameter of
     * the method building it (a private helper such as {@code failed(status, slug, title, ...)}), the constants at
     * every call of that method in its class.
     */
    private Set<ProblemKind> kindsAt(String owner, MethodNode m, Frame<SourceValue>[] frames, int i, int base,
            Template t) {
        List<List<Object>> values = t.values(frames, m, i, base);
        if (values.stream().flatMap(List::stream).noneMatch(v -> v instanceof Param)) {
            return product(values);
        }
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        int count = Type.getArgumentTypes(m.desc).length;
        boolean called = false;
        for (MethodNode caller : node(owner).map(c -> c.methods).orElse(List.of())) {
            Frame<SourceValue>[] at = null;
            for (int j = 0; j < caller.instructions.size(); j++) {
                if (caller.instructions.get(j) instanceof MethodInsnNode call && call.owner.equals(owner)
                        && call.name.equals(m.name) && call.desc.equals(m.desc)) {
                    at = at == null ? frames(owner, caller) : at;
                    if (at[j] == null) {
                        continue;
                    }
                    called = true;
                    int callBase = at[j].getStackSize() - count;
                    List<List<Object>> resolved = new ArrayList<>();
                    for (List<Object> list : values) {
                        List<Object> out = new ArrayList<>();
                        for (Object v : list) {
                            if (v instanceof Param p) {
                                constants(at[j].getStack(callBase + p.index), at, caller, out, 0);
                            } else {
                                out.add(v);
                            }
                        }
                        resolved.add(out);
                    }
                    kinds.addAll(product(resolved));
                }
            }
        }
        return called ? kinds : product(values);
    }

    private static Set<ProblemKind> product(List<List<Object>> values) {
        List<Object> statuses = values.get(0);
        List<Object> slugs = values.get(1);
        List<Object> titles = values.get(2);
        Set<ProblemKind> kinds = new LinkedHashSet<>();
        for (Object s : statuses) {
            for (int k = 0; k < slugs.size(); k++) {
                Object slugValue = slugs.get(k);
                Object titleValue = slugs.size() == titles.size() ? titles.get(k) : titles.size() == 1 ? titles.get(0) : null;
                kinds.add(new ProblemKind(s instanceof Integer n ? n : 0, slugValue instanceof String x ? x : null,
                        titleValue instanceof String t ? t : null));
            }
        }
        return kinds;
    }

    private Template template(String owner, String desc) {
        String key = owner + desc;
        Template known = templates.get(key);
        if (known != null) {
            return known;
        }
        templates.put(key, Template.UNKNOWN); // a constructor calling itself, or an unreadable class
        Template t = Template.UNKNOWN;
        Optional<MethodNode> ctor = node(owner).flatMap(c -> c.methods.stream()
                .filter(m -> m.name.equals("<init>") && m.desc.equals(desc)).findFirst());
        if (ctor.isPresent()) {
            MethodNode m = ctor.get();
            Frame<SourceValue>[] frames = frames(owner, m);
            for (int i = 0; i < m.instructions.size(); i++) {
                if (m.instructions.get(i) instanceof MethodInsnNode call && call.name.equals("<init>")
                        && frames[i] != null) {
                    Type[] args = Type.getArgumentTypes(call.desc);
                    int base = frames[i].getStackSize() - args.length;
                    if (!isThisCall(frames[i], base - 1, owner, m)) {
                        continue;
                    }
                    Template up = call.owner.equals(PROBLEM_EXCEPTION)
                            ? new Template(Source.param(0), Source.param(1), Source.param(2))
                            : template(call.owner, call.desc);
                    t = new Template(through(up.status, frames, m, i, base), through(up.slug, frames, m, i, base),
                            through(up.title, frames, m, i, base));
                    break;
                }
            }
        }
        templates.put(key, t);
        return t;
    }

    /** What a constructor passes up for a value its super constructor takes from parameter {@code source}. */
    private static Source through(Source source, Frame<SourceValue>[] frames, MethodNode m, int i, int base) {
        if (source.param < 0) {
            return source;
        }
        SourceValue value = frames[i].getStack(base + source.param);
        if (value.insns.size() == 1 && value.insns.iterator().next() instanceof VarInsnNode v) {
            int param = parameterOf(m, v.var);
            if (param >= 0 && frames[m.instructions.indexOf(v)].getLocal(v.var).insns.isEmpty()) {
                return Source.param(param);
            }
        }
        List<Object> values = new ArrayList<>();
        constants(value, frames, m, values, 0);
        if (values.size() == 1 && values.get(0) instanceof Param p) {
            return Source.param(p.index());
        }
        return values.size() == 1 && values.get(0) != null ? Source.constant(values.get(0)) : Source.UNKNOWN;
    }

    /** The index of the parameter held in local {@code var} at a method's start, or -1. */
    private static int parameterOf(MethodNode m, int var) {
        int local = (m.access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
        Type[] params = Type.getArgumentTypes(m.desc);
        for (int p = 0; p < params.length; p++) {
            if (local == var) {
                return p;
            }
            local += params[p].getSize();
        }
        return -1;
    }

    /** The constants a value may be: followed through local variables and conditionals; null for a computed one. */
    private static void constants(SourceValue value, Frame<SourceValue>[] frames, MethodNode m, List<Object> out, int depth) {
        if (value.insns.isEmpty() || depth > 8) {
            out.add(null);
            return;
        }
        if (value.insns.size() == 1 && value.insns.iterator().next() instanceof VarInsnNode v
                && v.getOpcode() >= Opcodes.ILOAD && v.getOpcode() <= Opcodes.ALOAD
                && frames[m.instructions.indexOf(v)].getLocal(v.var).insns.isEmpty() && parameterOf(m, v.var) >= 0) {
            out.add(new Param(parameterOf(m, v.var)));
            return;
        }
        for (AbstractInsnNode insn : value.insns) {
            Object constant = constant(insn);
            if (constant != null) {
                out.add(constant);
            } else if (insn instanceof VarInsnNode v && v.getOpcode() >= Opcodes.ILOAD && v.getOpcode() <= Opcodes.ALOAD) {
                constants(frames[m.instructions.indexOf(v)].getLocal(v.var), frames, m, out, depth + 1);
            } else if (insn instanceof VarInsnNode v && v.getOpcode() >= Opcodes.ISTORE && v.getOpcode() <= Opcodes.ASTORE) {
                Frame<SourceValue> at = frames[m.instructions.indexOf(v)];
                constants(at.getStack(at.getStackSize() - 1), frames, m, out, depth + 1);
            } else {
                out.add(null);
            }
        }
    }

    private static Object constant(AbstractInsnNode insn) {
        if (insn instanceof LdcInsnNode ldc && (ldc.cst instanceof String || ldc.cst instanceof Integer)) {
            return ldc.cst;
        }
        if (insn instanceof IntInsnNode n && (n.getOpcode() == Opcodes.BIPUSH || n.getOpcode() == Opcodes.SIPUSH)) {
            return n.operand;
        }
        if (insn instanceof InsnNode n && n.getOpcode() >= Opcodes.ICONST_M1 && n.getOpcode() <= Opcodes.ICONST_5) {
            return n.getOpcode() - Opcodes.ICONST_0;
        }
        return null;
    }
}
