package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxCliTest {
    @TempDir
    Path dir;

    /** Compiles WAT with wabt's wat2wasm (installed by .ci/run). */
    private Path wasm(String name, String wat) throws Exception {
        Path src = dir.resolve(name + ".wat");
        Path out = dir.resolve(name + ".wasm");
        Files.writeString(src, wat);
        Process p = new ProcessBuilder("wat2wasm", src.toString(), "-o", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(log).isZero();
        return out;
    }

    private Path manifest(String permissions, String limits) throws Exception {
        Path m = dir.resolve("manifest.json");
        Files.writeString(m, "{\"name\":\"test/cli\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}},"
                + "\"permissions\":{" + permissions + "},\"limits\":{" + limits + "}}");
        return m;
    }

    private static final String EXIT_WITH_ARGC = """
            (module
              (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 100) "hi\\n")
              (func (export "_start")
                (i32.store (i32.const 16) (i32.const 100))
                (i32.store (i32.const 20) (i32.const 3))
                (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
                (drop (call $sizes (i32.const 0) (i32.const 4)))
                (call $exit (i32.add (i32.const 40) (i32.load (i32.const 0))))))
            """;

    @Test
    void runPassesArgsPrintsOutputAndExitsWithTheSkillsCode() throws Exception {
        Path module = wasm("argc", EXIT_WITH_ARGC);
        Path m = manifest("", "");
        Path audit = dir.resolve("audit.jsonl");
        CliTestSupport cli = new CliTestSupport(dir);
        var r = cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--audit-log", audit.toString(),
                "--", "one", "two");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("hi\n");
        assertThat(r.code()).isEqualTo(43); // argv = name, one, two
        Path store = dir.resolve("compiled");
        var compiled = cli.raw("sandbox", "run", "--engine", "compiled", "--compiled-store", store.toString(),
                module.toString(), "--manifest", m.toString(), "--", "one", "two");
        assertThat(compiled.err()).isEmpty();
        assertThat(compiled.out()).isEqualTo("hi\n");
        assertThat(compiled.code()).isEqualTo(43);
        try (var entries = Files.list(store)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("the compiled module is kept for the next process, beside the store's key")
                    .anyMatch(n -> n.endsWith(".classes")).contains("store.key");
        }
        assertThat(cli.raw("sandbox", "run", "--engine", "jit", module.toString(), "--manifest", m.toString()).code())
                .isEqualTo(2);
        var ok = cli.raw("sandbox", "verify-audit", audit.toString());
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).startsWith("valid: 3 records"); // run.start, engine, exit

        List<String> lines = Files.readAllLines(audit);
        assertThat(lines.get(1)).contains("\"type\":\"engine\"").contains("\"engine\":\"interpreter\"");
        Files.write(audit, List.of(lines.get(0).replace("test/cli", "test/cl1"), lines.get(1), lines.get(2)));
        var bad = cli.raw("sandbox", "verify-audit", audit.toString());
        assertThat(bad.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(bad.out()).startsWith("INVALID: line 1");
        var badJson = cli.raw("sandbox", "verify-audit", "--json", audit.toString());
        assertThat(badJson.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(badJson.out()).contains("\"valid\":false").contains("\"firstBadLine\":1");
    }

    @Test
    void aViolationIsOneStderrLineAndANonZeroExit() throws Exception {
        Path module = wasm("loop", "(module (func (export \"_start\") (loop $l (br $l))))");
        Path m = manifest("", "\"wallMs\":200,\"cpuMs\":10000");
        var r = new CliTestSupport(dir).raw("sandbox", "run", module.toString(), "--manifest", m.toString());
        assertThat(r.code()).isEqualTo(SandboxCommand.VIOLATION);
        assertThat(r.err()).isEqualTo("carapace: sandbox: limit wallMs=200 exceeded\n");
    }

    @Test
    void undeclaredDirsAndSecretsAreRefusedBeforeAnythingRuns() throws Exception {
        Path module = wasm("argc", EXIT_WITH_ARGC);
        Path m = manifest("\"filesystem\":[{\"path\":\"/data\",\"access\":\"read\"}],\"secrets\":[\"API_KEY\"]", "");
        Path audit = dir.resolve("audit.jsonl");
        CliTestSupport cli = new CliTestSupport(dir);
        var d = cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--audit-log", audit.toString(),
                "--dir", "/etc=/etc");
        assertThat(d.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(d.err()).isEqualTo("carapace: --dir /etc is not declared in the manifest; refusing to run\n");
        var s = cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--audit-log", audit.toString(),
                "--secret", "AWS_KEY=x");
        assertThat(s.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(s.err()).contains("--secret AWS_KEY is not declared");
        assertThat(audit).doesNotExist();
        var ok = cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--dir", "/data=" + dir,
                "--secret", "API_KEY=v");
        assertThat(ok.code()).isEqualTo(41);
    }

    @Test
    void aBadManifestIsAConfigurationError() throws Exception {
        Path module = wasm("argc", EXIT_WITH_ARGC);
        Path m = dir.resolve("bad.json");
        Files.writeString(m, "{\"name\":\"a/b\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}},\"net\":[]}");
        var r = new CliTestSupport(dir).raw("sandbox", "run", module.toString(), "--manifest", m.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(r.err()).contains("unknown field 'net'").doesNotContain("Exception");
    }

    private static final String ENV_AND_ROOT = """
            (module
              (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "environ_get" (func $environ (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_open"
                (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 100) "hello.txt")
              (func $print (param $p i32) (param $n i32)
                (i32.store (i32.const 16) (local.get $p))
                (i32.store (i32.const 20) (local.get $n))
                (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
              (func (export "_start")
                ;; the one environment variable, without its NUL
                (drop (call $sizes (i32.const 0) (i32.const 4)))
                (drop (call $environ (i32.const 64) (i32.const 256)))
                (call $print (i32.const 256) (i32.sub (i32.load (i32.const 4)) (i32.const 1)))
                ;; hello.txt from the guest root, preopened as fd 3
                (if (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 9) (i32.const 0)
                      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8))
                  (then (call $exit (i32.const 9))))
                (i32.store (i32.const 32) (i32.const 1024))
                (i32.store (i32.const 36) (i32.const 100))
                (drop (call $fd_read (i32.load (i32.const 8)) (i32.const 32) (i32.const 1) (i32.const 40)))
                (call $print (i32.const 1024) (i32.load (i32.const 40)))
                (call $exit (i32.load (i32.const 0)))))
            """;

    @Test
    void runPassesDeclaredEnvironmentVariablesAndBindsTheGuestRoot() throws Exception {
        Path module = wasm("env", ENV_AND_ROOT);
        Path m = manifest("\"filesystem\":[{\"path\":\"/\",\"access\":\"read\"}],\"env\":[\"GREETING\"]", "");
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("hello.txt"), " from /");
        Path audit = dir.resolve("audit.jsonl");
        CliTestSupport cli = new CliTestSupport(dir);
        var r = cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--dir", "/=" + root,
                "--env", "GREETING=hola", "--audit-log", audit.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("GREETING=hola from /");
        assertThat(r.code()).isEqualTo(1); // one variable
        assertThat(Files.readString(audit)).contains("\"env:GREETING\":\"hola\"").contains("\"mount:/\":\"read\"");

        var undeclared = cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--dir", "/=" + root,
                "--env", "HOME=/root");
        assertThat(undeclared.code()).isEqualTo(2);
        assertThat(undeclared.err()).contains("--env HOME is not declared in the manifest");
        assertThat(cli.raw("sandbox", "run", module.toString(), "--manifest", m.toString(), "--env", "GREETING")
                .code()).isEqualTo(2);
    }
}
