package dev.carapace.sandbox;

import dev.carapace.crypto.Bytes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;

/**
 * Parsed modules and their compiled form, keyed by the SHA-256 of the module's bytes, least recently used first out.
 * A parsed module and a compiled machine factory are immutable and safe to share between runs and threads; instances
 * never are (each run builds its own). Admission is still checked on every run, against that run's manifest, and a
 * module is only compiled after it was admitted once.
 */
final class ModuleCache {
    static final int CAPACITY = 32;
    private static final System.Logger LOG = System.getLogger(ModuleCache.class.getName());

    /** The compiled form of a module, or why there is none (then the interpreter runs it). */
    record Compiled(Function<Instance, Machine> factory, String failure, long compileNanos) {}

    /** One cached module. */
    static final class Entry {
        final String sha256;
        final WasmModule module;
        private Compiled compiled;

        Entry(String sha256, WasmModule module) {
            this.sha256 = sha256;
            this.module = module;
        }

        /** Compiles on first use (one thread compiles, the others wait); failures are remembered, logged once. */
        synchronized Compiled compiled() {
            if (compiled == null) {
                compiled = compile(module, sha256);
            }
            return compiled;
        }
    }

    private static final Map<String, Entry> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ModuleCache.Entry> eldest) {
            return size() > CAPACITY;
        }
    };

    /** Where compiled modules persist between processes; null keeps them in memory only. */
    private static volatile CompiledModuleStore store;

    private ModuleCache() {}

    static void persistCompiledIn(java.nio.file.Path dir) throws java.io.IOException {
        store = dir == null ? null : CompiledModuleStore.open(dir);
    }

    static CompiledModuleStore store() {
        return store;
    }

    /** Empties the in-memory cache, as a new process starts (tests of the on-disk store). */
    static void forgetInMemory() {
        synchronized (CACHE) {
            CACHE.clear();
        }
    }

    /** The parsed module; parse errors propagate as the parser's runtime exceptions. */
    static Entry get(byte[] wasm, String sha256) {
        synchronized (CACHE) {
            Entry e = CACHE.get(sha256);
            if (e != null) {
                return e;
            }
        }
        Entry e = new Entry(sha256, Parser.parse(wasm));
        synchronized (CACHE) {
            CACHE.putIfAbsent(sha256, e);
            return CACHE.get(sha256);
        }
    }

    /**
     * Compiles the whole module to JVM bytecode. The compiler is newer code than the interpreter and any failure
     * (an exception, a linkage or verify error, a compiler stack overflow) is caught: the module then runs on the
     * interpreter. Functions the compiler would hand to the interpreter on its own count as a failure too
     * (InterpreterFallback.FAIL), so a module is either wholly compiled or wholly interpreted.
     */
    static Compiled compile(WasmModule module, String sha256) {
        long t0 = System.nanoTime();
        try {
            MachineFactoryCompiler.Builder b = MachineFactoryCompiler.builder(module)
                    .withInterpreterFallback(InterpreterFallback.FAIL);
            CompiledModuleStore disk = store;
            if (disk != null) {
                b.withCache(disk);
            }
            Function<Instance, Machine> factory = b.compile();
            return new Compiled(factory, null, System.nanoTime() - t0);
        } catch (RuntimeException | LinkageError | StackOverflowError | OutOfMemoryError e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            why = why.replaceAll("[\\r\\n]+", " ");
            if (why.length() > 200) {
                why = why.substring(0, 200) + "...";
            }
            LOG.log(System.Logger.Level.WARNING, "module {0} runs on the interpreter: the compiler failed: {1}",
                    sha256, why);
            return new Compiled(null, "compiler failed: " + why, System.nanoTime() - t0);
        }
    }

    static String key(byte[] wasm) {
        return Bytes.hex(Bytes.sha256(wasm));
    }
}
