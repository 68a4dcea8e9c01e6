package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

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
}
