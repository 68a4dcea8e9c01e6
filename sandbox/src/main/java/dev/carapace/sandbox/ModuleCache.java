package dev.carapace.sandbox;

import dev.carapace.crypto.Bytes;
import java.util.LinkedHashMap;
import java.util.Map;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;

/**
 * Parsed modules keyed by the SHA-256 of their bytes, least recently used first out. A parsed module is immutable and
 * safe to share between runs and threads; instances never are (each run builds its own). Admission is still checked
 * on every run, against that run's manifest.
 */
final class ModuleCache {
    static final int CAPACITY = 32;

    private static final Map<String, WasmModule> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, WasmModule> eldest) {
            return size() > CAPACITY;
        }
    };

    private ModuleCache() {}

    /** The parsed module; parse errors propagate as the parser's runtime exceptions. */
    static WasmModule parsed(byte[] wasm, String sha256) {
        synchronized (CACHE) {
            WasmModule m = CACHE.get(sha256);
            if (m != null) {
                return m;
            }
        }
        WasmModule m = Parser.parse(wasm);
        synchronized (CACHE) {
            CACHE.putIfAbsent(sha256, m);
            return CACHE.get(sha256);
        }
    }

    static String key(byte[] wasm) {
        return Bytes.hex(Bytes.sha256(wasm));
    }
}
