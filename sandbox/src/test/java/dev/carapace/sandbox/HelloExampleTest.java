package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HelloExampleTest {
    @Test
    void helloRunsAndIsAudited() throws Exception {
        Path dir = Path.of("examples", "hello");
        byte[] wasm = Wat.compile(dir.resolve("hello.wat"));
        Manifest manifest = Manifest.parse(Files.readAllBytes(dir.resolve("manifest.json")));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sandbox.Result r = Sandbox.run(wasm, manifest, "main", Sandbox.Bindings.none(), AuditLog.inMemory(log));
        assertThat(r.violation()).isNull();
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdoutText()).isEqualTo("hello from a sandboxed skill\n");
        assertThat(log.toString()).contains("\"type\":\"run.start\"").contains("\"type\":\"exit\"");
        assertThat(AuditLog.verify(log.toByteArray()).valid()).isTrue();
    }

    @Test
    void concurrentRunsShareNothing() throws Exception {
        Path dir = Path.of("examples", "hello");
        byte[] wasm = Wat.compile(dir.resolve("hello.wat"));
        Manifest manifest = Manifest.parse(Files.readAllBytes(dir.resolve("manifest.json")));
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<Sandbox.Result>>();
            for (int i = 0; i < 40; i++) {
                futures.add(pool.submit(() -> Sandbox.run(wasm, manifest, "main", Sandbox.Bindings.none(),
                        AuditLog.inMemory(new ByteArrayOutputStream()))));
            }
            for (var f : futures) {
                Sandbox.Result r = f.get();
                assertThat(r.exitCode()).isZero();
                assertThat(r.stdoutText()).isEqualTo("hello from a sandboxed skill\n");
            }
        }
    }
}
