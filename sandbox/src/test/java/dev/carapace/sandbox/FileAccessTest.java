package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard lets granted work through and audits it with byte counts. */
class FileAccessTest {
    @TempDir
    Path tmp;

    @Test
    void copiesFromAReadGrantToAWriteGrantAndAuditsBytes() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(in.resolve("a.txt"), "twelve bytes");
        Manifest m = Manifest.parse("""
                {"name":"test/copy","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/in","access":"read"},{"path":"/out","access":"read-write"}]}}""");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sandbox.Result r = Sandbox.run(Wat.compile(Path.of("src/test/resources/skills/copy.wat")), m, "main",
                Sandbox.Bindings.none().withDir("/in", in).withDir("/out", out), AuditLog.inMemory(log));
        assertThat(r.violation()).isNull();
        assertThat(r.exitCode()).isZero();
        assertThat(Files.readString(out.resolve("copy.txt"))).isEqualTo("twelve bytes");
        assertThat(Files.isDirectory(out.resolve("made"))).isTrue();
        String audit = log.toString(StandardCharsets.UTF_8);
        assertThat(audit)
                .contains("\"type\":\"fs.open\",\"details\":{\"access\":\"read\",\"directory\":false,\"fd\":5,\"path\":\"/in/a.txt\"}")
                .contains("{\"access\":\"write\",\"directory\":false,\"fd\":6,\"path\":\"/out/copy.txt\"}")
                .contains("\"type\":\"fs.close\",\"details\":{\"fd\":5,\"path\":\"/in/a.txt\",\"read\":12,\"written\":0}")
                .contains("\"type\":\"fs.close\",\"details\":{\"fd\":6,\"path\":\"/out/copy.txt\",\"read\":0,\"written\":12}")
                .contains("\"type\":\"fs.mkdir\",\"details\":{\"path\":\"/out/made\"}")
                .doesNotContain("fs.deny");
    }

    @Test
    void aReusedDescriptorNumberListsItsOwnDirectory() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String f : new String[] {"a/x1", "a/x2", "b/y1", "b/y2"}) {
            Files.createDirectories(in.resolve(f).getParent());
            Files.writeString(in.resolve(f), f);
        }
        Manifest m = Manifest.parse("""
                {"name":"test/relist","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/in","access":"read"}]}}""");
        Sandbox.Result r = Sandbox.run(Wat.compile(Path.of("src/test/resources/skills/relist.wat")), m, "main",
                Sandbox.Bindings.none().withDir("/in", in), AuditLog.inMemory(new ByteArrayOutputStream()));
        assertThat(r.violation()).isNull();
        assertThat(r.exitCode()).as("b got a's descriptor number").isZero();
        // entries from cookie 1 of b (".." then b's files), not of a's old listing
        assertThat(names(r.stdout())).containsExactly("..", "y1", "y2");
    }

    private static java.util.List<String> names(byte[] dirents) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(dirents).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.util.List<String> out = new java.util.ArrayList<>();
        while (b.remaining() >= 24) {
            b.position(b.position() + 16);
            byte[] name = new byte[b.getInt()];
            b.position(b.position() + 4);
            b.get(name);
            out.add(new String(name, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void readdirListsTheGrantWithTypes() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.writeString(in.resolve("a.txt"), "x");
        Files.createDirectories(in.resolve("sub"));
        Files.createSymbolicLink(in.resolve("out-link"), Path.of("/etc/passwd"));
        Manifest m = Manifest.parse("""
                {"name":"test/list","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/in","access":"read"}]}}""");
        Sandbox.Result r = Sandbox.run(Wat.compile(Path.of("src/test/resources/skills/list.wat")), m, "main",
                Sandbox.Bindings.none().withDir("/in", in), AuditLog.inMemory(new ByteArrayOutputStream()));
        assertThat(r.exitCode()).isZero();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.stdout()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.util.Map<String, Integer> entries = new java.util.TreeMap<>();
        while (b.remaining() >= 24) {
            b.getLong();
            b.getLong();
            int len = b.getInt();
            int type = b.get();
            b.position(b.position() + 3);
            byte[] name = new byte[len];
            b.get(name);
            entries.put(new String(name, StandardCharsets.UTF_8), type);
        }
        assertThat(entries).containsExactly(java.util.Map.entry(".", Wasi.FILETYPE_DIRECTORY),
                java.util.Map.entry("..", Wasi.FILETYPE_DIRECTORY),
                java.util.Map.entry("a.txt", Wasi.FILETYPE_REGULAR_FILE),
                java.util.Map.entry("out-link", Wasi.FILETYPE_SYMBOLIC_LINK),
                java.util.Map.entry("sub", Wasi.FILETYPE_DIRECTORY));
    }

    @Test
    void theDirectoryItselfStatsAsADirectory() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Manifest m = Manifest.parse("""
                {"name":"test/stat","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/in","access":"read"}]}}""");
        for (Engine e : Engine.values()) {
            Sandbox.Result r = Sandbox.run(Wat.compile(Path.of("src/test/resources/skills/stat-dot.wat")), m, "main",
                    Sandbox.Bindings.none().withDir("/in", in), AuditLog.inMemory(new ByteArrayOutputStream()), e);
            assertThat(r.exitCode()).as(e.name()).isEqualTo(Wasi.FILETYPE_DIRECTORY * 11);
        }
    }

    @Test
    void setupRefusesTheHostRootAndUndeclaredEnvironmentVariables() throws Exception {
        Manifest m = Manifest.parse("""
                {"name":"test/setup","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/","access":"read"}],"env":["LANG"]}}""");
        byte[] wasm = Wat.compile(Path.of("src/test/resources/skills/stat-dot.wat"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sandbox.run(wasm, m, "main",
                Sandbox.Bindings.none().withDir("/", Path.of("/")), AuditLog.inMemory(new ByteArrayOutputStream())))
                .isInstanceOf(SandboxException.class).hasMessageContaining("host's root");
        Path in = Files.createDirectories(tmp.resolve("in"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sandbox.run(wasm, m, "main",
                Sandbox.Bindings.none().withDir("/", in).withEnv("HOME", "/root"),
                AuditLog.inMemory(new ByteArrayOutputStream())))
                .isInstanceOf(SandboxException.class).hasMessageContaining("HOME is not declared");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sandbox.Result r = Sandbox.run(wasm, m, "main", Sandbox.Bindings.none().withDir("/", in).withEnv("LANG", "C"),
                AuditLog.inMemory(log));
        assertThat(r.exitCode()).isEqualTo(Wasi.FILETYPE_DIRECTORY * 11);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("\"env:LANG\":\"C\"").contains("\"mount:/\":\"read\"");
    }
}
