package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The compiled engine must behave exactly like the interpreter: every escape module and every example is run on both,
 * each time in a fresh copy of the same folders, and the exit code, violation, stdout, stderr and the audit trail
 * (minus timings and the engine record) must be equal. The compiled run must really have been compiled.
 */
class DifferentialTest {
    /**
     * Stopped by a budget: both must be stopped by the CPU or the wall-clock budget (which comes first depends on the
     * machine's load), and how far each engine got before the stop differs.
     */
    static final Set<String> TIMED = Set.of("limit-infinite-loop", "limit-cpu-burn");

    @TempDir
    Path tmp;

    record Outcome(int exit, String violation, String stdout, String stderr, List<String> audit, String engine) {}

    static Stream<String> escapes() throws Exception {
        try (var s = Files.list(Path.of("src", "test", "resources", "escapes"))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".wat") || n.endsWith(".hex"))
                    // Leaves a tree deeper than PATH_MAX that only EscapeTest removes (by handles); it runs there on
                    // both engines.
                    .filter(n -> !n.startsWith("fs-deep-resolution."))
                    .map(n -> n.substring(0, n.lastIndexOf('.'))).distinct().sorted().toList().stream();
        }
    }

    Outcome run(byte[] wasm, String manifest, List<String> args, Engine engine, String tag) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(tag + "-" + engine));
        Path data = Files.createDirectories(root.resolve("data"));
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(data.resolve("a.txt"), "public");
        Files.writeString(data.resolve("input.txt"), "one two three\nfour five\n");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(data.resolve("link-to-secret"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(data.resolve("link-to-outside"), Path.of("..", "outside"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sandbox.Bindings b = Sandbox.Bindings.none().withDir("/data", data).withArgs(args)
                .withSecret("API_KEY", "k").withResolver(host -> {
                    throw new UnknownHostException(host);
                });
        Sandbox.Result r = Sandbox.run(wasm, Manifest.parse(manifest), "main", b, AuditLog.inMemory(log), engine);
        List<String> audit = new ArrayList<>();
        String engineRan = null;
        for (String line : log.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode rec = Json.parse(line);
            String type = rec.get("type").asString();
            ObjectNode d = (ObjectNode) rec.get("details");
            if (type.equals("engine")) {
                engineRan = d.get("engine").asString();
                continue;
            }
            d.remove("wallMs");
            d.remove("cpuMs");
            audit.add(type + " " + d.toString().replace(root.toString(), "ROOT"));
        }
        SandboxViolation v = r.violation();
        // These print raw dirents, whose d_ino differs between the two fresh folders.
        byte[] stdout = tag.equals("list") || tag.startsWith("fs-swap") ? withoutInodes(r.stdout()) : r.stdout();
        return new Outcome(r.exitCode(), v == null ? null : v.kind() + " " + v.subject(),
                new String(stdout, StandardCharsets.UTF_8), new String(r.stderr(), StandardCharsets.UTF_8),
                audit, engineRan);
    }

    /** A copy of a buffer of WASI dirents with every d_ino zeroed. */
    static byte[] withoutInodes(byte[] dirents) {
        byte[] out = dirents.clone();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p + 24 <= out.length; p += 24 + b.getInt(p + 16)) {
            b.putLong(p + 8, 0);
        }
        return out;
    }

    void assertSame(byte[] wasm, String manifest, List<String> args, String tag, boolean timed) throws Exception {
        Outcome interpreted = run(wasm, manifest, args, Engine.INTERPRETER, tag);
        Outcome compiled = run(wasm, manifest, args, Engine.COMPILED, tag);
        if (timed) {
            // Which budget runs out first (CPU or wall clock) depends on how much CPU the machine gives the run.
            assertThat(List.of(interpreted.violation(), compiled.violation())).as(tag)
                    .allMatch(v -> v != null && v.matches("LIMIT (cpuMs|wallMs)"));
        } else {
            assertThat(compiled.violation()).as(tag).isEqualTo(interpreted.violation());
        }
        assertThat(compiled.exit()).as(tag).isEqualTo(interpreted.exit());
        if (interpreted.violation() != null && interpreted.violation().startsWith("ADMISSION")) {
            assertThat(compiled.engine()).as(tag + ": nothing is compiled before admission").isNull();
            return;
        }
        assertThat(interpreted.engine()).as(tag).isEqualTo("interpreter");
        assertThat(compiled.engine()).as(tag + " must have run compiled").isEqualTo("compiled");
        if (!timed) {
            assertThat(compiled.stdout()).as(tag).isEqualTo(interpreted.stdout());
            assertThat(compiled.stderr()).as(tag).isEqualTo(interpreted.stderr());
            assertThat(compiled.audit()).as(tag).isEqualTo(interpreted.audit());
        }
    }

    static String manifest(String limits) {
        return "{\"name\":\"test/diff\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}},"
                + "\"permissions\":{\"filesystem\":[{\"path\":\"/data\",\"access\":\"read-write\"}],"
                + "\"network\":[\"api.example.com\",\"metadata.example.com:80\"],\"secrets\":[\"API_KEY\"]},"
                + "\"limits\":{" + limits + "}}";
    }

    @ParameterizedTest
    @MethodSource("escapes")
    void escapeModulesBehaveTheSameCompiled(String name) throws Exception {
        String limits = TIMED.contains(name) ? "\"wallMs\":300,\"cpuMs\":200" : "\"wallMs\":20000,\"cpuMs\":20000,"
                + "\"fsWriteBytes\":200000";
        assertSame(Wat.escape(name), manifest(limits), List.of("http://api.example.com/x"), name,
                TIMED.contains(name));
    }

    @Test
    void examplesBehaveTheSameCompiled() throws Exception {
        assertSame(Wat.compile(Path.of("examples/hello/hello.wat")), manifest(""), List.of(), "hello", false);
        assertSame(Wat.compile(Path.of("src/test/resources/skills/copy.wat")), manifest(""), List.of(), "copy", false);
        assertSame(Wat.compile(Path.of("src/test/resources/skills/list.wat")), manifest(""), List.of(), "list", false);
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/clang")) && Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a")),
                "SKIPPED: clang, lld and wasi-libc are not installed");
        String big = manifest("\"memoryPages\":64,\"wallMs\":60000,\"cpuMs\":60000");
        assertSame(clang("wordcount/wordcount.c"), big, List.of("/data/input.txt"), "wordcount", false);
        assertSame(clang("compute/fib.c"), big, List.of("20"), "fib", false);
        assertSame(clang("compute/sha256.c"), big, List.of("5"), "sha256", false);
        Outcome sha = run(clang("compute/sha256.c"), big, List.of("1024"), Engine.COMPILED, "sha-1MiB");
        // Python: hashlib.sha256(bytes(((i*31+7)&0xff) for i in range(1<<20))).hexdigest()
        assertThat(sha.stdout()).isEqualTo("06b7bbfb7824aa03382051691630eb26de85102d1b08a81e907ec0744cd8a286\n");
        assertThat(run(clang("compute/fib.c"), big, List.of("25"), Engine.COMPILED, "fib25").stdout())
                .isEqualTo("75025\n");
    }

    /** Builds examples/NAME.c with clang --target=wasm32-wasi -O2 into target/wasm. */
    static byte[] clang(String source) throws Exception {
        Path out = Path.of("target", "wasm", Path.of(source).getFileName().toString().replace(".c", ".wasm"));
        Files.createDirectories(out.getParent());
        Process p = new ProcessBuilder("clang", "--target=wasm32-wasi", "-O2", "-o", out.toString(),
                Path.of("examples", source).toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("clang: %s", log).isZero();
        return Files.readAllBytes(out);
    }
}
