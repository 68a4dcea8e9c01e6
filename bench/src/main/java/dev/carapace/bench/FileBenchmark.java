package dev.carapace.bench;

import dev.carapace.sandbox.AuditLog;
import dev.carapace.sandbox.Engine;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.skills.Manifest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file-heavy skill (sandbox/examples/files/files.c: create, write, read back, list and remove N small files in a
 * read-write grant) as complete {@code Sandbox.run}s on each engine, with Node's own WASI running the same module on
 * the same kind of folder side by side in the same process run. Each run gets a fresh empty folder; the audit log goes
 * to a discarding sink (every open and close is still recorded and hashed). Usage:
 * {@code java --add-opens ... -cp bench/target/benchmarks.jar dev.carapace.bench.FileBenchmark [N] [RUNS]} from the
 * repository root (clang --target=wasm32-wasi and node on the PATH).
 */
public final class FileBenchmark {
    private FileBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path root = Path.of(System.getProperty("carapace.root", "."));
        Path wasm = Files.createTempFile("carapace-files", ".wasm");
        Process cc = new ProcessBuilder("clang", "--target=wasm32-wasi", "-O2", "-o", wasm.toString(),
                root.resolve("sandbox/examples/files/files.c").toString()).redirectErrorStream(true).start();
        String log = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (cc.waitFor() != 0) {
            throw new IllegalStateException("clang: " + log);
        }
        byte[] module = Files.readAllBytes(wasm);
        Manifest manifest = Manifest.parse(Files.readAllBytes(root.resolve("sandbox/examples/files/manifest.json")));
        String expected = "files " + n + " bytes ";
        for (int round = 0; round < runs + 1; round++) {
            // Round 0 warms the JVM (and compiles the module once); it is reported but not counted.
            List<String> line = new ArrayList<>();
            for (Engine e : Engine.values()) {
                Path dir = Files.createTempDirectory("carapace-files");
                long t0 = System.nanoTime();
                Sandbox.Result r = Sandbox.run(module, manifest, "main", Sandbox.Bindings.none()
                        .withDir("/data", dir).withArgs(List.of(String.valueOf(n))),
                        AuditLog.inMemory(OutputStream.nullOutputStream()), e);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (!r.succeeded() || !r.stdoutText().startsWith(expected)) {
                    throw new IllegalStateException(e + ": " + (r.violation() != null ? r.violation().message()
                            : "exit " + r.exitCode() + " " + r.stdoutText()));
                }
                Files.delete(dir);
                line.add(e.name().toLowerCase(java.util.Locale.ROOT) + " " + ms + " ms");
            }
            line.add("node " + node(root, wasm, n) + " ms");
            System.out.println((round == 0 ? "warm-up: " : "run " + round + ": ") + String.join(", ", line));
        }
        Files.delete(wasm);
    }

    private static final Pattern NODE_MS = Pattern.compile("node wasi: exit 0, ([0-9.]+) ms");

    /** One run of the module on Node's WASI, on a fresh folder: the time Node itself reports for instantiate+run. */
    private static long node(Path root, Path wasm, int n) throws Exception {
        Path dir = Files.createTempDirectory("carapace-files-node");
        Process p = new ProcessBuilder("node", "--no-warnings", root.resolve("bench/node-wasi-run.mjs").toString(),
                wasm.toString(), dir.toString(), String.valueOf(n)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = NODE_MS.matcher(out);
        if (!m.find() || !out.contains("files " + n + " bytes ")) {
            throw new IllegalStateException("node: " + out);
        }
        Files.delete(dir);
        return Math.round(Double.parseDouble(m.group(1)));
    }
}
