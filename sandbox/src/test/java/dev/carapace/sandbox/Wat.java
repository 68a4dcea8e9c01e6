package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Compiles WAT with wabt's wat2wasm (a build-time system dependency, installed by .ci/run) into target/wasm. */
final class Wat {
    private Wat() {}

    static byte[] compile(Path wat) throws Exception {
        Path out = Path.of("target", "wasm", wat.getFileName().toString().replace(".wat", ".wasm"));
        Files.createDirectories(out.getParent());
        // Feature flags let the admission tests express what a skill must not use (GC, threads, multi-memory).
        Process p = new ProcessBuilder("wat2wasm", "--enable-all", wat.toString(), "-o", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("wat2wasm %s: %s", wat, log).isZero();
        return Files.readAllBytes(out);
    }

    /** An escape module; a .hex sibling (hand-assembled bytes) stands in where wabt cannot assemble the text. */
    static byte[] escape(String name) throws Exception {
        Path dir = Path.of("src", "test", "resources", "escapes");
        Path hex = dir.resolve(name + ".hex");
        if (Files.exists(hex)) {
            return java.util.HexFormat.of().parseHex(Files.readString(hex).replaceAll("\\s+", ""));
        }
        return compile(dir.resolve(name + ".wat"));
    }
}
