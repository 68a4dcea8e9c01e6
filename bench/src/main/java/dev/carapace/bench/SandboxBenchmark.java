package dev.carapace.bench;

import dev.carapace.sandbox.AuditLog;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.skills.Manifest;
import java.io.OutputStream;
import java.util.HexFormat;
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
 * One complete sandbox run per operation (parse, admission, instantiate, run on a fresh 4 MiB-stack thread under the
 * watchdog, audit to a discarding log): the hello example, and a module whose http_get is refused by policy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SandboxBenchmark {
    /** wat2wasm of sandbox/examples/hello/hello.wat. */
    static final String HELLO = "0061736d01000000010c0260047f7f7f7f017f60000002230116776173695f736e617073686f"
            + "745f70726576696577310866645f7772697465000003020101050401010101071302066d656d6f72790200065f737461727400"
            + "010a1d011b00410041103602004104411d360200410141004101410810001a0b0b23010041100b1d68656c6c6f2066726f6d20"
            + "612073616e64626f78656420736b696c6c0a";
    /** wat2wasm of sandbox/src/test/resources/escapes/net-undeclared-host.wat. */
    private static final String HTTP_DENIED = "0061736d0100000001100360047f7f7f7f017f60017f0060000002380208636172617061"
            + "636508687474705f676574000016776173695f736e617073686f745f70726576696577310970726f635f6578697400010302"
            + "01020503010002071302066d656d6f72790200065f737461727400020a1801160041e40041e40041274180800441802010006a"
            + "10010b0b2e010041e4000b2768747470733a2f2f6576696c2e6578616d706c652e6e65742f657866696c74726174653f643d31";

    private byte[] hello;
    private byte[] httpDenied;
    private Manifest manifest;

    @Setup
    public void setUp() throws Exception {
        hello = HexFormat.of().parseHex(HELLO);
        httpDenied = HexFormat.of().parseHex(HTTP_DENIED);
        manifest = Manifest.parse("""
                {"name":"bench/hello","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"network":["api.example.com"]}}""");
    }

    private int run(byte[] wasm) throws Exception {
        Sandbox.Result r = Sandbox.run(wasm, manifest, "main", Sandbox.Bindings.none(),
                AuditLog.inMemory(OutputStream.nullOutputStream()));
        if (r.violation() != null) {
            throw new IllegalStateException(r.violation().message());
        }
        return r.exitCode();
    }

    @Benchmark
    public int helloRun() throws Exception {
        return run(hello);
    }

    @Benchmark
    public int httpDeniedRun() throws Exception {
        int code = run(httpDenied);
        if (code != 99) {
            throw new IllegalStateException("http_get was not refused: " + code);
        }
        return code;
    }
}
