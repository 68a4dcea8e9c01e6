package dev.carapace.mls.vectors;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Locates and parses mlswg test vector files; skips visibly when the shared vector folder is absent. */
public final class Vectors {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Vectors() {
    }

    /**
     * The {@code carapace.vectors} property when it points at an existing folder; otherwise the first
     * {@code shared/vectors} found walking up from the working directory (a git worktree sits deeper than
     * the main checkout, so the property's fixed {@code ../shared} can miss).
     */
    public static Path mlsDir() {
        String prop = System.getProperty("carapace.vectors");
        if (prop != null && Files.isDirectory(Path.of(prop, "mls"))) {
            return Path.of(prop, "mls");
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("vectors").resolve("mls");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return Path.of(prop != null ? prop : "../shared/vectors", "mls");
    }

    /** Parses {@code <family>.json}, or aborts the test (skipped, with a message) if the file is absent. */
    public static JsonNode load(String family) throws Exception {
        Path file = mlsDir().resolve(family + ".json");
        assumeTrue(Files.isRegularFile(file),
                "MLS vector family '" + family + "' not found at " + file.toAbsolutePath() + " - skipping");
        return MAPPER.readTree(Files.readAllBytes(file));
    }
}
