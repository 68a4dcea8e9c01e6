package dev.carapace.sandbox;

import dev.carapace.skills.Manifest;
import java.util.List;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.ExternalType;
import run.endive.wasm.types.FunctionImport;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.Import;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.SubType;
import run.endive.wasm.types.Table;
import run.endive.wasm.types.TableLimits;
import run.endive.wasm.types.ValType;

/**
 * What a module must not contain to be run. WasmGC objects and exceptions live on the Java heap where page limits do
 * not reach them; shared memory means threads; one memory, capped by the manifest, is all a skill gets.
 */
final class Admission {
    static final int MAX_MODULE_BYTES = 16 * 1024 * 1024;
    static final long MAX_TABLE_ELEMENTS = 10_000;

    private Admission() {}

    /** Throws a violation naming the first problem found. */
    static void check(WasmModule module, Manifest manifest, String export) {
        var types = module.typeSection();
        for (int i = 0; i < types.subTypeCount(); i++) {
            SubType st = types.getSubType(i);
            if (st.compType().structType() != null || st.compType().arrayType() != null) {
                throw reject("WasmGC struct/array types are not admitted");
            }
        }
        for (FunctionType ft : types.types()) {
            if (ft != null) {
                gcFree(ft.params(), "function type");
                gcFree(ft.returns(), "function type");
            }
        }
        for (var g : module.globalSection().globals()) {
            gcFree(List.of(g.valueType()), "global");
        }
        for (int i = 0; i < module.codeSection().functionBodyCount(); i++) {
            gcFree(module.codeSection().getFunctionBody(i).localTypes(), "local");
        }
        if (module.tagSection().map(t -> t.tagCount() > 0).orElse(false)) {
            throw reject("exception handling (tags) is not admitted");
        }
        int memories = module.memorySection().map(s -> s.memoryCount()).orElse(0);
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            if (imp.importType() != ExternalType.FUNCTION || !(imp instanceof FunctionImport)) {
                throw reject("import " + imp.module() + "." + imp.name() + " is a "
                        + imp.importType().name().toLowerCase(java.util.Locale.ROOT)
                        + "; only functions from wasi_snapshot_preview1 and carapace are provided");
            }
            if (!imp.module().equals(Wasi.MODULE) && !imp.module().equals(CarapaceHost.MODULE)) {
                throw reject("import " + imp.module() + "." + imp.name() + " is not provided");
            }
        }
        if (memories > 1) {
            throw reject("multiple memories are not admitted");
        }
        if (memories == 1) {
            MemoryLimits ml = module.memorySection().get().getMemory(0).limits();
            if (ml.shared()) {
                throw reject("shared memory is not admitted");
            }
            int cap = manifest.limits().memoryPages();
            if (ml.initialPages() > cap) {
                throw reject("memory starts at " + ml.initialPages() + " pages, above limits.memoryPages=" + cap);
            }
            if (ml.maximumPages() != MemoryLimits.MAX_PAGES && ml.maximumPages() > cap) {
                throw reject("memory maximum " + ml.maximumPages() + " pages is above limits.memoryPages=" + cap);
            }
        }
        for (int i = 0; i < module.tableSection().tableCount(); i++) {
            Table t = module.tableSection().getTable(i);
            TableLimits tl = t.limits();
            if (tl.min() > MAX_TABLE_ELEMENTS) {
                throw reject("table of " + tl.min() + " elements is above the cap of " + MAX_TABLE_ELEMENTS);
            }
            if (t.elementType().isGcReference()) {
                throw reject("tables of GC references are not admitted");
            }
        }
        boolean found = false;
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            var e = module.exportSection().getExport(i);
            if (e.name().equals(export)) {
                if (e.exportType() != ExternalType.FUNCTION) {
                    throw reject("export " + export + " is not a function");
                }
                found = true;
            }
        }
        if (!found) {
            throw reject("the module has no export named " + export);
        }
    }

    private static void gcFree(List<ValType> types, String where) {
        for (ValType t : types) {
            if (t.isGcReference()) {
                throw reject("WasmGC reference type in a " + where + " is not admitted");
            }
        }
    }

    private static ViolationException reject(String why) {
        return new ViolationException(SandboxViolation.admission(why));
    }
}
