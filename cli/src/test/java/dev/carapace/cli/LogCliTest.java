package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCliTest {
    @TempDir
    Path dir;

    @Test
    void verifyProofExitCodesFollowTheVectors() throws Exception {
        String prop = System.getProperty("carapace.vectors");
        Path merkle = prop == null ? null : Path.of(prop, "merkle");
        assumeTrue(merkle != null && Files.isDirectory(merkle), "SKIPPED: no ../shared/vectors/merkle");
        CliTestSupport cli = new CliTestSupport(dir);
        var ok = cli.raw("log", "verify-proof", merkle.resolve("inclusion/1/happy-path.json").toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("valid inclusion proof");
        var bad = cli.raw("log", "verify-proof", merkle.resolve("consistency/1/wrong-root2.json").toString());
        assertThat(bad.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(bad.out()).startsWith("INVALID consistency proof");
        Path junk = dir.resolve("junk.json");
        Files.writeString(junk, "{not json");
        assertThat(cli.raw("log", "verify-proof", junk.toString()).code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
    }
}
