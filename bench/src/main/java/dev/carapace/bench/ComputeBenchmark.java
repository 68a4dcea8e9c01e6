package dev.carapace.bench;

import dev.carapace.sandbox.AuditLog;
import dev.carapace.sandbox.Engine;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.skills.Manifest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU-bound skills on each engine against the same algorithm in plain Java: fib(30) (sandbox/examples/compute/fib.c)
 * and SHA-256 of a generated 1 MiB buffer (sha256.c; the Java port below does the same steps, buffer generation
 * included). Every sandboxed operation is a complete run (admission, instantiate, a fresh 4 MiB-stack thread, the
 * watchdog, the audit log); the compiled form is cached by module digest, so only the first run compiles.
 * {@code warmInstantiateCompiled} is a complete compiled run of the hello example: an upper bound on a warm
 * instantiate. The C files are built with clang --target=wasm32-wasi -O2 at setup (run from the repository root, or
 * set -Dcarapace.root).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ComputeBenchmark {
    static final String SHA_1MIB = "06b7bbfb7824aa03382051691630eb26de85102d1b08a81e907ec0744cd8a286";

    private byte[] fib;
    private byte[] sha;
    private byte[] hello;
    private Manifest manifest;

    @Setup
    public void setUp() throws Exception {
        Path root = Path.of(System.getProperty("carapace.root", "."));
        fib = clang(root.resolve("sandbox/examples/compute/fib.c"));
        sha = clang(root.resolve("sandbox/examples/compute/sha256.c"));
        hello = HexFormat.of().parseHex(SandboxBenchmark.HELLO);
        manifest = Manifest.parse(Files.readAllBytes(root.resolve("sandbox/examples/compute/manifest.json")));
        if (!run(sha, Engine.COMPILED, "1024").equals(SHA_1MIB + "\n") || !javaSha().equals(SHA_1MIB)
                || !run(fib, Engine.COMPILED, "30").equals(fibJava() + "\n")) {
            throw new IllegalStateException("engines disagree with plain Java");
        }
    }

    private static byte[] clang(Path c) throws Exception {
        Path out = Files.createTempFile("carapace-bench", ".wasm");
        Process p = new ProcessBuilder("clang", "--target=wasm32-wasi", "-O2", "-o", out.toString(), c.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("clang " + c + ": " + log);
        }
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    private String run(byte[] wasm, Engine engine, String... args) throws Exception {
        Sandbox.Result r = Sandbox.run(wasm, manifest, "main", Sandbox.Bindings.none().withArgs(List.of(args)),
                AuditLog.inMemory(OutputStream.nullOutputStream()), engine);
        if (!r.succeeded()) {
            throw new IllegalStateException(r.violation() == null ? "exit " + r.exitCode() : r.violation().message());
        }
        return r.stdoutText();
    }

    @Benchmark
    public int fibJava() {
        return fib(30);
    }

    private static int fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    @Benchmark
    public String fibCompiled() throws Exception {
        return run(fib, Engine.COMPILED, "30");
    }

    @Benchmark
    public String fibInterpreter() throws Exception {
        return run(fib, Engine.INTERPRETER, "30");
    }

    @Benchmark
    public String sha256Java() {
        return javaSha();
    }

    @Benchmark
    public String sha256Compiled() throws Exception {
        return run(sha, Engine.COMPILED, "1024");
    }

    @Benchmark
    public String sha256Interpreter() throws Exception {
        return run(sha, Engine.INTERPRETER, "1024");
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String warmInstantiateCompiled() throws Exception {
        return run(hello, Engine.COMPILED);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String warmInstantiateInterpreter() throws Exception {
        return run(hello, Engine.INTERPRETER);
    }

    // ---- the same SHA-256 as sha256.c, in plain Java ----------------------------------------------------------

    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

    static String javaSha() {
        byte[] buf = new byte[1 << 20];
        for (int i = 0; i < buf.length; i++) {
            buf[i] = (byte) (i * 31 + 7);
        }
        int[] h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        int full = buf.length / 64 * 64;
        int[] w = new int[64];
        for (int i = 0; i < full; i += 64) {
            block(h, buf, i, w);
        }
        byte[] tail = new byte[128];
        int rest = buf.length - full;
        System.arraycopy(buf, full, tail, 0, rest);
        tail[rest] = (byte) 0x80;
        int tlen = rest + 9 <= 64 ? 64 : 128;
        long bits = (long) buf.length * 8;
        for (int i = 0; i < 8; i++) {
            tail[tlen - 1 - i] = (byte) (bits >>> (8 * i));
        }
        for (int i = 0; i < tlen; i += 64) {
            block(h, tail, i, w);
        }
        StringBuilder sb = new StringBuilder();
        for (int x : h) {
            sb.append(String.format("%08x", x));
        }
        return sb.toString();
    }

    private static void block(int[] h, byte[] p, int off, int[] w) {
        for (int i = 0; i < 16; i++) {
            int j = off + 4 * i;
            w[i] = (p[j] & 0xff) << 24 | (p[j + 1] & 0xff) << 16 | (p[j + 2] & 0xff) << 8 | (p[j + 3] & 0xff);
        }
        for (int i = 16; i < 64; i++) {
            int s0 = Integer.rotateRight(w[i - 15], 7) ^ Integer.rotateRight(w[i - 15], 18) ^ (w[i - 15] >>> 3);
            int s1 = Integer.rotateRight(w[i - 2], 17) ^ Integer.rotateRight(w[i - 2], 19) ^ (w[i - 2] >>> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        int a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; i++) {
            int t1 = k + (Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25))
                    + ((e & f) ^ (~e & g)) + K[i] + w[i];
            int t2 = (Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22))
                    + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
    }
}
