package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds examples/wordcount from C with clang --target=wasm32-wasi and Debian's wasi-libc (installed by .ci/run) and
 * runs it: real libc code goes through the same guard as the hand-written escapes. Skips visibly without clang.
 */
class CExampleTest {
    @TempDir
    Path tmp;

    @Test
    void wordcountCountsInsideTheGrantAndIsRefusedOutside() throws Exception {
        boolean toolchain = Files.isExecutable(Path.of("/usr/bin/clang"))
                && Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a"));
        assumeTrue(toolchain, "SKIPPED: clang, lld and wasi-libc are not installed (apt-get install clang lld wasi-libc"
                + " libclang-rt-14-dev-wasm32)");
        Path dir = Path.of("examples", "wordcount");
        Path out = Path.of("target", "wasm", "wordcount.wasm");
        Files.createDirectories(out.getParent());
        Process p = new ProcessBuilder("clang", "--target=wasm32-wasi", "-O2", "-o", out.toString(),
                dir.resolve("wordcount.c").toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("clang: %s", log).isZero();

        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("input.txt"), "one two three\nfour five\n");
        Files.writeString(tmp.resolve("outside.txt"), "host secret");
        Files.createSymbolicLink(data.resolve("escape"), tmp.resolve("outside.txt"));
        ByteArrayOutputStream audit = new ByteArrayOutputStream();
        Sandbox.Result r = Sandbox.run(Files.readAllBytes(out), Manifest.parse(Files.readAllBytes(dir.resolve("manifest.json"))),
                "main", Sandbox.Bindings.none().withDir("/data", data).withArgs(List.of("/data/input.txt")),
                AuditLog.inMemory(audit));
        assertThat(r.violation()).isNull();
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdoutText()).startsWith("2 5 24 /data/input.txt\n")
                .contains("refused /data/../../etc/passwd")
                .contains("refused /data/escape")
                .contains("refused /etc/passwd")
                .doesNotContain("OPENED");
        String a = audit.toString(StandardCharsets.UTF_8);
        assertThat(a).contains("\"reason\":\"path escapes the grant root\"")
                .contains("\"reason\":\"symlink leads outside the grant\"")
                .contains("\"path\":\"/data/input.txt\"");
    }
}
