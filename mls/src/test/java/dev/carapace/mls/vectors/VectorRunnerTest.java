package dev.carapace.mls.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorRunnerTest {

    @Test
    void recognisesFamiliesByFileName() {
        assertThat(VectorRunner.familyOf("passive-client-welcome.json")).hasValue("passive-client-welcome");
        assertThat(VectorRunner.familyOf("passive-client-handling-commit.json"))
                .hasValue("passive-client-handling-commit");
        assertThat(VectorRunner.familyOf("psk_secret.json")).hasValue("psk_secret");
        assertThat(VectorRunner.familyOf("tree-math-2.json")).hasValue("tree-math");
        assertThat(VectorRunner.familyOf("welcome.json")).hasValue("welcome");
        assertThat(VectorRunner.familyOf("notes.json")).isEmpty();
        assertThat(VectorRunner.FAMILIES).hasSize(16);
    }

    @Test
    void everySharedFamilyPassesForAllSuites() throws Exception {
        Path dir = Vectors.mlsDir();
        assumeTrue(Files.isDirectory(dir), "MLS vectors not found at " + dir.toAbsolutePath() + " - skipping");
        VectorRunner.Result r = new VectorRunner().runDirectory(dir);
        r.families().values().forEach(f -> System.out.println("VectorRunner " + f));
        // Every family present in the shared set passes completely, for all seven cipher suites.
        assertThat(r.families()).containsKeys("tree-math", "crypto-basics", "secret-tree", "message-protection",
                "key-schedule", "welcome", "tree-operations", "treekem", "messages", "passive-client-welcome",
                "passive-client-handling-commit");
        r.families().values().forEach(f -> assertThat(f.allPassed()).as(f.toString()).isTrue());
        assertThat(r.allPassed()).isTrue();
    }

    @Test
    void corruptedVectorFails(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("tree-math.json"),
                "[{\"n_leaves\":2,\"n_nodes\":3,\"root\":1,\"left\":[null,0,null],\"right\":[null,2,null],"
                        + "\"parent\":[1,null,1],\"sibling\":[2,null,0]},"
                        + "{\"n_leaves\":2,\"n_nodes\":3,\"root\":0,\"left\":[null,0,null],\"right\":[null,2,null],"
                        + "\"parent\":[1,null,1],\"sibling\":[2,null,0]}]");
        VectorRunner.Result r = new VectorRunner().runDirectory(tmp);
        assertThat(r.families().get("tree-math")).isEqualTo(new VectorRunner.FamilyResult("tree-math", 1, 2));
        assertThat(r.allPassed()).isFalse();
    }
}
