package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.crypto.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * RFC 6962/9162 proof vectors from ../shared/vectors/merkle: every {@code wantErr: true} case must fail and every
 * other case must pass. Skips, visibly, when the folder is absent (a user's clone has no ../shared).
 */
class MerkleVectorsTest {

    static Path vectorDir() {
        String prop = System.getProperty("carapace.vectors");
        Path p = prop != null ? Path.of(prop, "merkle") : Path.of("..", "..", "shared", "vectors", "merkle");
        return p.normalize();
    }

    @TestFactory
    Stream<DynamicTest> everyVector() throws Exception {
        Path dir = vectorDir();
        assumeTrue(Files.isDirectory(dir), "SKIPPED: Merkle vectors not found at " + dir.toAbsolutePath()
                + " (set -Dcarapace.vectors=DIR)");
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(50);
        return files.stream().map(f -> DynamicTest.dynamicTest(dir.relativize(f).toString(), () -> {
            ProofFiles.Result r = ProofFiles.verify(f);
            // Read apart from ProofFiles: a few vectors hold uint64 indexes that our strict JSON refuses outright
            // (an integer beyond 2^53 that no double writes back), so ProofFiles cannot report their wantErr.
            JsonNode wantErr = Json.MAPPER.readTree(Files.readAllBytes(f)).get("wantErr");
            assertThat(wantErr).as("vector declares wantErr").isNotNull();
            assertThat(r.valid()).as("%s: %s", f, r.detail()).isEqualTo(!wantErr.asBoolean());
        }));
    }
}
