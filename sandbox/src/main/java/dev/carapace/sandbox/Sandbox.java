package dev.carapace.sandbox;

import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import run.endive.runtime.HostFunction;
import run.endive.runtime.ImportFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.runtime.TableInstance;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.FunctionImport;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.Import;
import run.endive.wasm.types.Table;

/**
 * Runs one entrypoint of a WebAssembly skill under its manifest: admission check, a page-capped memory, guarded WASI
 * and the carapace host module, a dedicated thread with a fixed stack, and a watchdog for wall-clock and CPU time.
 * Everything the skill does or is refused goes to the audit log. One call, one fresh instance; nothing is shared
 * between runs.
 */
public final class Sandbox {
    /** Stack of the skill's thread. Deep guest recursion ends as a "stack" limit, not as a host crash. */
    public static final long STACK_BYTES = 4L * 1024 * 1024;
    /** How long a stopped skill gets to unwind after its thread is interrupted. */
    static final long STOP_GRACE_MILLIS = 2_000;
    private static final long POLL_MILLIS = 5;

    /** What the caller binds to the manifest's declarations. Undeclared bindings are refused before anything runs. */
    public record Bindings(Map<String, Path> dirs, Map<String, String> secrets, List<String> args, Resolver resolver,
            OutputStream stdoutCopy, OutputStream stderrCopy, Map<String, String> env) {
        public Bindings {
            dirs = Map.copyOf(dirs);
            secrets = Map.copyOf(secrets);
            args = List.copyOf(args);
            env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        }

        public static Bindings none() {
            return new Bindings(Map.of(), Map.of(), List.of(), Resolver.SYSTEM, null, null, Map.of());
        }

        public Bindings withDir(String guest, Path host) {
            Map<String, Path> d = new LinkedHashMap<>(dirs);
            d.put(guest, host);
            return new Bindings(d, secrets, args, resolver, stdoutCopy, stderrCopy, env);
        }

        public Bindings withSecret(String name, String value) {
            Map<String, String> s = new LinkedHashMap<>(secrets);
            s.put(name, value);
            return new Bindings(dirs, s, args, resolver, stdoutCopy, stderrCopy, env);
        }

        /** An environment variable for the skill; the manifest must declare its name (permissions.env). */
        public Bindings withEnv(String name, String value) {
            Map<String, String> e = new LinkedHashMap<>(env);
            e.put(name, value);
            return new Bindings(dirs, secrets, args, resolver, stdoutCopy, stderrCopy, e);
        }

        public Bindings withArgs(List<String> a) {
            return new Bindings(dirs, secrets, a, resolver, stdoutCopy, stderrCopy, env);
        }

        public Bindings withResolver(Resolver r) {
            return new Bindings(dirs, secrets, args, r, stdoutCopy, stderrCopy, env);
        }

        /** Also copy the skill's stdout and stderr to these streams as it writes (still bounded by outputBytes). */
        public Bindings withOutput(OutputStream out, OutputStream err) {
            return new Bindings(dirs, secrets, args, resolver, out, err, env);
        }
    }

    /** How a run ended: an exit code, or a violation (then exitCode is -1). */
    public record Result(int exitCode, SandboxViolation violation, byte[] stdout, byte[] stderr, long wallMillis,
            long cpuMillis) {
        public boolean succeeded() {
            return violation == null && exitCode == 0;
        }

        public String stdoutText() {
            return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private Sandbox() {}

    /**
     * Keeps compiled modules in {@code dir} as well as in memory, so later processes load them instead of compiling
     * again. Entries are authenticated (see {@link CompiledModuleStore}); null turns the store off.
     *
     * @throws IOException if the folder or its key cannot be created or read
     */
    public static void storeCompiledModulesIn(Path dir) throws IOException {
        ModuleCache.persistCompiledIn(dir);
    }

    /**
     * Runs {@code entrypoint} of {@code wasm}. Refusals of the module itself (admission) come back as a result with
     * a violation; a setup that cannot be honoured exactly throws {@link SandboxException} and runs nothing.
     */
    public static Result run(byte[] wasm, Manifest manifest, String entrypoint, Bindings bindings, AuditLog audit)
            throws SandboxException {
        return run(wasm, manifest, entrypoint, bindings, audit, Engine.INTERPRETER);
    }

    /**
     * Runs {@code entrypoint} of {@code wasm} on the given engine. {@link Engine#COMPILED} compiles the module once per
     * digest (on the caller's thread, after admission, not charged to the skill's budgets) and falls back to the
     * interpreter for a module the compiler cannot handle; the audit record {@code engine} says which ran.
     */
    public static Result run(byte[] wasm, Manifest manifest, String entrypoint, Bindings bindings, AuditLog audit,
            Engine engine) throws SandboxException {
        java.util.Objects.requireNonNull(engine, "engine");
        String export;
        try {
            export = manifest.entrypoint(entrypoint).export();
        } catch (ManifestException e) {
            throw new SandboxException(e.getMessage());
        }
        for (String name : bindings.secrets().keySet()) {
            if (!manifest.permissions().secrets().contains(name)) {
                throw new SandboxException("secret " + name + " is not declared in the manifest");
            }
        }
        for (var e : bindings.env().entrySet()) {
            if (!manifest.permissions().env().contains(e.getKey())) {
                throw new SandboxException("environment variable " + e.getKey() + " is not declared in the manifest");
            }
            if (e.getKey().indexOf('=') >= 0 || e.getValue().indexOf('\0') >= 0) {
                throw new SandboxException("environment variable " + e.getKey() + " has a NUL in its value");
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try {
            if (!threads.isThreadCpuTimeSupported()) {
                throw new SandboxException("this JVM cannot measure thread CPU time; refusing to run without cpuMs");
            }
            if (!threads.isThreadCpuTimeEnabled()) {
                threads.setThreadCpuTimeEnabled(true);
            }
        } catch (UnsupportedOperationException | SecurityException e) {
            throw new SandboxException("cannot enable thread CPU time; refusing to run without cpuMs");
        }
        Manifest.Limits limits = manifest.limits();
        long start = System.nanoTime();
        BoundedOutput stdout = new BoundedOutput("stdout", limits.outputBytes(), bindings.stdoutCopy());
        BoundedOutput stderr = new BoundedOutput("stderr", limits.outputBytes(), bindings.stderrCopy());
        Session session = new Session(manifest, audit, bindings.args(), bindings.secrets(), bindings.env(), stdout,
                stderr, start + limits.wallMs() * 1_000_000L);
        FileGuard files;
        try {
            files = new FileGuard(session, manifest.permissions().filesystem(), bindings.dirs());
        } catch (IllegalArgumentException | IOException e) {
            throw new SandboxException(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        Map<String, Object> startRecord = new LinkedHashMap<>();
        startRecord.put("skill", manifest.name());
        startRecord.put("version", manifest.version());
        startRecord.put("entrypoint", entrypoint);
        String moduleHash = ModuleCache.key(wasm);
        startRecord.put("module", moduleHash);
        files.mounts().forEach(m -> startRecord.put("mount:" + m.guest(), m.access().text()));
        // Environment variables are configuration the runner chose (secrets go through secret_get): recorded as given.
        bindings.env().forEach((k, v) -> startRecord.put("env:" + k, v));
        audit.record("run.start", startRecord);

        // Admission: parse and check on the caller's thread; nothing of the module has run yet.
        WasmModule module;
        ImportValues imports;
        ModuleCache.Entry entry;
        try {
            if (wasm.length > Admission.MAX_MODULE_BYTES) {
                throw new ViolationException(SandboxViolation.admission("module is larger than "
                        + Admission.MAX_MODULE_BYTES + " bytes"));
            }
            try {
                entry = ModuleCache.get(wasm, moduleHash);
                module = entry.module;
            } catch (RuntimeException e) {
                throw new ViolationException(SandboxViolation.admission("malformed module: " + clip(e.getMessage())));
            }
            Admission.check(module, manifest, export);
            imports = link(module, new Wasi(session, files), new CarapaceHost(session, bindings.resolver()));
        } catch (ViolationException v) {
            return finish(audit, v.violation, -1, stdout, stderr, start, 0);
        }
        // Only an admitted module reaches the compiler.
        Function<Instance, Machine> machine = null;
        Map<String, Object> engineRecord = new LinkedHashMap<>();
        engineRecord.put("requested", engine.name().toLowerCase(java.util.Locale.ROOT));
        if (engine == Engine.COMPILED) {
            ModuleCache.Compiled c = entry.compiled();
            machine = c.factory();
            if (machine == null) {
                engineRecord.put("reason", c.failure());
            }
        }
        engineRecord.put("engine", machine == null ? "interpreter" : "compiled");
        audit.record("engine", engineRecord);
        Function<Instance, Machine> machineFactory = machine;

        AtomicReference<Object> outcome = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong cpuUsed = new java.util.concurrent.atomic.AtomicLong();
        Runnable body = () -> {
            try {
                Instance.Builder builder = Instance.builder(module)
                        .withImportValues(imports)
                        .withMemoryFactory(ml -> new CappedMemory(ml, limits.memoryPages(), session))
                        .withTableFactory(Sandbox::cappedTable)
                        // Endive would otherwise call an export named _start while instantiating; we call the
                        // manifest's entrypoint ourselves, once.
                        .withStart(false);
                if (machineFactory != null) {
                    builder.withMachineFactory(machineFactory);
                }
                Instance instance = builder.build();
                // Fail closed: whichever engine runs, the guest's memory must be the capped one.
                if (module.memorySection().map(s -> s.memoryCount()).orElse(0) > 0
                        && !(instance.memory() instanceof CappedMemory)) {
                    throw new ViolationException(SandboxViolation.capability("memory",
                            "the page-capped memory could not be installed; nothing ran"));
                }
                long[] r = instance.export(export).apply();
                outcome.set(r != null && r.length == 1 ? (int) r[0] : 0);
            } catch (Throwable t) {
                outcome.set(t);
            } finally {
                cpuUsed.set(threads.getCurrentThreadCpuTime());
                files.closeAll();
            }
        };
        Thread skill = new Thread(null, body, "carapace-skill " + manifest.name(), STACK_BYTES);
        skill.setDaemon(true);
        SandboxViolation stopped;
        long cpuNanos;
        try {
            // The budgets cover the skill's own time: instantiation (data segments, start function) and the
            // entrypoint, not the host's parsing and admission.
            long skillStart = System.nanoTime();
            session.deadlineNanos = skillStart + limits.wallMs() * 1_000_000L;
            skill.start();
            stopped = watch(skill, threads, limits, skillStart, audit, session);
            // Measured by the skill's thread as it ends; a thread that never ended is reported at its last sample.
            cpuNanos = skill.isAlive() ? Math.max(0, threads.getThreadCpuTime(skill.threadId())) : cpuUsed.get();
        } catch (InterruptedException e) {
            skill.interrupt();
            Thread.currentThread().interrupt();
            stopped = SandboxViolation.capability("run", "the host interrupted the run");
            cpuNanos = 0;
        }
        if (stopped != null) {
            return finish(audit, stopped, -1, stdout, stderr, start, cpuNanos);
        }
        Object o = outcome.get();
        if (o instanceof Integer code) {
            return finish(audit, null, code, stdout, stderr, start, cpuNanos);
        }
        Throwable t = (Throwable) o;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProcExit pe) {
                return finish(audit, null, pe.code, stdout, stderr, start, cpuNanos);
            }
            if (c instanceof ViolationException ve) {
                if (ve.violation.kind() == SandboxViolation.Kind.LIMIT && ve.violation.subject().equals("wallMs")) {
                    // A host call found the wall budget spent and stopped the skill itself.
                    audit.record("limit", Map.of("limit", "wallMs", "value", limits.wallMs(), "stopped", true));
                }
                return finish(audit, ve.violation, -1, stdout, stderr, start, cpuNanos);
            }
        }
        return finish(audit, classify(t, audit), -1, stdout, stderr, start, cpuNanos);
    }

    /** Polls the skill thread; returns the violation it was stopped for, or null when it ended by itself. */
    private static SandboxViolation watch(Thread skill, ThreadMXBean threads, Manifest.Limits limits, long start,
            AuditLog audit, Session session) throws InterruptedException {
        long cpuBudget = limits.cpuMs() * 1_000_000L;
        long wallBudget = limits.wallMs() * 1_000_000L;
        while (true) {
            skill.join(POLL_MILLIS);
            if (!skill.isAlive()) {
                return null;
            }
            SandboxViolation v = null;
            if (System.nanoTime() - start > wallBudget) {
                v = SandboxViolation.limit("wallMs", limits.wallMs());
            } else if (threads.getThreadCpuTime(skill.threadId()) > cpuBudget) {
                v = SandboxViolation.limit("cpuMs", limits.cpuMs());
            }
            if (v != null) {
                skill.interrupt();
                // The interpreter checks the interrupt; a host call blocked on a socket does not, so close it.
                session.abortIo();
                skill.join(STOP_GRACE_MILLIS);
                audit.record("limit", Map.of("limit", v.subject(), "value",
                        v.subject().equals("wallMs") ? limits.wallMs() : limits.cpuMs(), "stopped", !skill.isAlive()));
                return v;
            }
        }
    }

    private static SandboxViolation classify(Throwable t, AuditLog audit) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StackOverflowError
                    || (c.getMessage() != null && c.getMessage().contains("call stack exhausted"))) {
                audit.record("limit", Map.of("limit", "stack", "value", STACK_BYTES));
                return new SandboxViolation(SandboxViolation.Kind.LIMIT, "stack",
                        "limit stack=" + STACK_BYTES + " bytes exceeded (call stack exhausted)");
            }
            if (c instanceof OutOfMemoryError) {
                audit.record("limit", Map.of("limit", "hostMemory"));
                return new SandboxViolation(SandboxViolation.Kind.LIMIT, "hostMemory",
                        "limit hostMemory exceeded (the host ran out of heap for this skill)");
            }
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return SandboxViolation.trap(clip(msg));
    }

    private static Result finish(AuditLog audit, SandboxViolation v, int code, BoundedOutput out, BoundedOutput err,
            long start, long cpuNanos) {
        long wall = (System.nanoTime() - start) / 1_000_000;
        if (v == null) {
            audit.record("exit", Map.of("code", code, "wallMs", wall, "cpuMs", cpuNanos / 1_000_000));
        } else {
            audit.record("violation", Map.of("kind", v.kind().name().toLowerCase(java.util.Locale.ROOT),
                    "subject", v.subject(), "message", v.message(), "wallMs", wall, "cpuMs", cpuNanos / 1_000_000));
        }
        return new Result(v == null ? code : -1, v, out.bytes(), err.bytes(), wall, cpuNanos / 1_000_000);
    }

    private static ImportValues link(WasmModule module, Wasi wasi, CarapaceHost carapace) {
        List<ImportFunction> fns = new ArrayList<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            FunctionType type = module.typeSection().getType(((FunctionImport) imp).typeIndex());
            HostFunction f = imp.module().equals(Wasi.MODULE) ? wasi.resolve(imp.name(), type)
                    : carapace.resolve(imp.name(), type);
            if (f == null) {
                throw new ViolationException(SandboxViolation.admission("import " + imp.module() + "." + imp.name()
                        + " with type " + type + " is not provided"));
            }
            fns.add(f);
        }
        return ImportValues.builder().withFunctions(fns).build();
    }

    /** Tables that refuse to grow past the admission cap (table.grow is the other way to fill the heap). */
    private static TableInstance cappedTable(Table table, int initRef) {
        return new TableInstance(table, initRef) {
            @Override
            public int grow(int size, int value, Instance instance) {
                return (long) size() + (size & 0xFFFFFFFFL) > Admission.MAX_TABLE_ELEMENTS ? -1
                        : super.grow(size, value, instance);
            }

            @Override
            public int growWithRef(int size, Object value, Instance instance) {
                return (long) size() + (size & 0xFFFFFFFFL) > Admission.MAX_TABLE_ELEMENTS ? -1
                        : super.growWithRef(size, value, instance);
            }
        };
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        s = s.replaceAll("[\\r\\n]+", " ");
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
