package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiled modules survive the process through the on-disk store, and only authentic entries are loaded: a flipped
 * byte, a truncated file or an entry copied over another module's name is removed and the module compiled again.
 */
class CompiledModuleStoreTest {
    @TempDir
    Path tmp;

    @AfterEach
    void storeOff() throws Exception {
        Sandbox.storeCompiledModulesIn(null);
    }

    /** The hello example with a custom section naming the test, so no other test has it cached in memory. */
    private static byte[] uniqueHello(String tag) throws Exception {
        byte[] wasm = Wat.compile(Path.of("examples", "hello", "hello.wat"));
        byte[] name = ("carapace-test-" + tag).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[wasm.length + 3 + name.length];
        System.arraycopy(wasm, 0, out, 0, wasm.length);
        out[wasm.length] = 0; // custom section
        out[wasm.length + 1] = (byte) (1 + name.length);
        out[wasm.length + 2] = (byte) name.length;
        System.arraycopy(name, 0, out, wasm.length + 3, name.length);
        return out;
    }

    private static Sandbox.Result runCompiled(byte[] wasm, ByteArrayOutputStream log) throws Exception {
        Manifest m = Manifest.parse(Files.readAllBytes(Path.of("examples", "hello", "manifest.json")));
        return Sandbox.run(wasm, m, "main", Sandbox.Bindings.none(), AuditLog.inMemory(log), Engine.COMPILED);
    }

    private List<Path> entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".classes")).toList();
        }
    }

    private void assertRanCompiled(byte[] wasm) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sandbox.Result r = runCompiled(wasm, log);
        assertThat(r.stdoutText()).isEqualTo("hello from a sandboxed skill\n");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("\"engine\":\"compiled\"");
    }

    /** What a new process does: nothing compiled in memory, the store opened afresh, the module run compiled. */
    private void runInANewProcess(Path dir, byte[] wasm) throws Exception {
        ModuleCache.forgetInMemory();
        Sandbox.storeCompiledModulesIn(dir);
        assertRanCompiled(wasm);
    }

    @Test
    void aLaterProcessLoadsTheStoredModuleInsteadOfCompiling() throws Exception {
        Path dir = tmp.resolve("compiled");
        Sandbox.storeCompiledModulesIn(dir);
        byte[] wasm = uniqueHello("reuse");
        assertRanCompiled(wasm);
        assertThat(entries(dir)).hasSize(1);
        assertThat(ModuleCache.store().hits()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("store.key"))))
                .isEqualTo("rw-------");

        runInANewProcess(dir, wasm); // it opens the same store and key
        assertThat(ModuleCache.store().hits()).isEqualTo(1);
        assertThat(ModuleCache.store().rejected()).isZero();
    }

    @Test
    void aTamperedEntryIsRemovedAndTheModuleCompiledAgain() throws Exception {
        Path dir = tmp.resolve("compiled");
        Sandbox.storeCompiledModulesIn(dir);
        byte[] wasm = uniqueHello("tamper");
        assertRanCompiled(wasm);
        Path entry = entries(dir).get(0);
        byte[] stored = Files.readAllBytes(entry);
        stored[stored.length / 2] ^= 1;
        Files.write(entry, stored);

        runInANewProcess(dir, wasm);
        assertThat(ModuleCache.store().rejected()).isEqualTo(1);
        assertThat(ModuleCache.store().hits()).isZero();
        assertThat(Files.readAllBytes(entry)).as("rewritten from a fresh compile").isNotEqualTo(stored);

        Files.write(entry, new byte[7]); // truncated below the MAC
        runInANewProcess(dir, wasm);
        assertThat(ModuleCache.store().rejected()).isEqualTo(1);
    }

    @Test
    void anEntryMovedToAnotherModulesNameDoesNotVerify() throws Exception {
        Path dir = tmp.resolve("compiled");
        Sandbox.storeCompiledModulesIn(dir);
        byte[] a = uniqueHello("swap-a");
        byte[] b = uniqueHello("swap-b");
        assertRanCompiled(a);
        Path entryA = entries(dir).get(0);
        assertRanCompiled(b);
        Path entryB = entries(dir).stream().filter(p -> !p.equals(entryA)).findFirst().orElseThrow();
        Files.copy(entryA, entryB, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        runInANewProcess(dir, b);
        assertThat(ModuleCache.store().rejected()).isEqualTo(1);
    }

    @Test
    void aKeyOthersCanReadOrAWrongSizedKeyIsRefused() throws Exception {
        Path dir = tmp.resolve("compiled");
        Sandbox.storeCompiledModulesIn(dir);
        Path key = dir.resolve("store.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sandbox.storeCompiledModulesIn(dir))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("readable or writable by others");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.write(key, new byte[5]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sandbox.storeCompiledModulesIn(dir))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("32-byte key");
    }

    @Test
    void aStoreUnderAnotherKeyIsNotTrusted() throws Exception {
        Path dir = tmp.resolve("compiled");
        Sandbox.storeCompiledModulesIn(dir);
        byte[] wasm = uniqueHello("rekey");
        assertRanCompiled(wasm);
        Files.write(dir.resolve("store.key"), new byte[32]); // someone else's key: every entry must now fail

        runInANewProcess(dir, wasm);
        assertThat(ModuleCache.store().rejected()).isEqualTo(1);
        assertThat(ModuleCache.store().hits()).isZero();
    }
}
