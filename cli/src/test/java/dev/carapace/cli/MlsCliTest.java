package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MlsCliTest {
    @TempDir
    Path dir;

    private static final String TREE_MATH_OK = "{\"n_leaves\":2,\"n_nodes\":3,\"root\":1,\"left\":[null,0,null],"
            + "\"right\":[null,2,null],\"parent\":[1,null,1],\"sibling\":[2,null,0]}";
    private static final String TREE_MATH_BAD = TREE_MATH_OK.replace("\"root\":1", "\"root\":0");

    @Test
    void exitsZeroOnlyWhenEveryCasePasses() throws Exception {
        CliTestSupport cli = new CliTestSupport(dir);
        Path good = Files.createDirectories(dir.resolve("good"));
        Files.writeString(good.resolve("tree-math.json"), "[" + TREE_MATH_OK + "]");
        Files.writeString(good.resolve("notes.json"), "{}"); // not a family: ignored
        var ok = cli.raw("mls", "vectors", good.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out().strip()).isEqualTo("tree-math: 1/1");

        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve("tree-math.json"), "[" + TREE_MATH_OK + "," + TREE_MATH_BAD + "]");
        var fail = cli.raw("mls", "vectors", bad.toString());
        assertThat(fail.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(fail.out()).contains("tree-math: 1/2");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(cli.raw("mls", "vectors", empty.toString()).code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(cli.raw("mls", "vectors", dir.resolve("missing").toString()).code())
                .isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
    }

    @Test
    void runsTheSharedMlswgVectors() throws Exception {
        String prop = System.getProperty("carapace.vectors");
        Path mls = prop == null ? null : Path.of(prop, "mls");
        assumeTrue(mls != null && Files.isDirectory(mls), "SKIPPED: no ../shared/vectors/mls");
        var r = new CliTestSupport(dir).raw("mls", "vectors", mls.toString());
        assertThat(r.out()).contains("messages: 300/300").contains("tree-math: 10/10")
                .contains("passive-client-handling-commit: 91/91");
        assertThat(r.code()).as(r.out()).isZero();
    }
}
