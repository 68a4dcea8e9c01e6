package dev.carapace.bench;

import dev.carapace.client.HubClient;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.Signer;
import dev.carapace.client.TrustedLogs;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Skill supply chain costs: (1) verify-and-install of a ~1 MB skill against an in-process hub on SQLite over loopback:
 * fetch the record, verify the author's signature against the key history, download and hash the package, read it
 * strictly, check log inclusion (and the checkpoint's consistency with the trusted one), verify the namespace claim,
 * parse the manifest, write the package to disk; the consent prompt is not timed. (2) scanner throughput in MB/s over
 * the same package and over a package of 1 MB of text (the scanner's regex path).
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.SkillSupplyChainLoad [ITERATIONS] [SECONDS]}
 */
public final class SkillSupplyChainLoad {
    /** wat2wasm of sandbox/examples/hello/hello.wat. */
    private static final String HELLO = "0061736d01000000010c0260047f7f7f7f017f60000002230116776173695f736e617073686f"
            + "745f70726576696577310866645f7772697465000003020101050401010101071302066d656d6f72790200065f737461727400"
            + "010a1d011b00410041103602004104411d360200410141004101410810001a0b0b23010041100b1d68656c6c6f2066726f6d20"
            + "612073616e64626f78656420736b696c6c0a";

    private SkillSupplyChainLoad() {}

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("skill-bench");
        String manifest = "{\"name\":\"bench/big\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}}}";
        byte[] data = new byte[1_000_000 - 2_000];
        new Random(7).nextBytes(data);
        byte[] pkg = SkillPackage.build(Map.of("manifest.json", manifest.getBytes(StandardCharsets.UTF_8),
                "skill.wasm", HexFormat.of().parseHex(HELLO), "data/blob.bin", data));
        StringBuilder text = new StringBuilder();
        Random r = new Random(11);
        String[] words = {"skill", "agent", "returns", "the", "weather", "for", "a", "city", "call", "with", "json", "and"};
        while (text.length() < 1_000_000) {
            text.append(words[r.nextInt(words.length)]).append(r.nextInt(12) == 0 ? ".\n" : " ");
        }
        byte[] textPkg = SkillPackage.build(Map.of("manifest.json", manifest.getBytes(StandardCharsets.UTF_8),
                "skill.wasm", HexFormat.of().parseHex(HELLO), "README.md", text.toString().getBytes(StandardCharsets.UTF_8)));
        System.out.printf("package: %d bytes; text package: %d bytes%n", pkg.length, textPkg.length);

        try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0))) {
            HubClient client = new HubClient(hub.url());
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            KeyEventLog kel = KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(), System.currentTimeMillis());
            client.register(kel, key);
            SkillsClient skills = new SkillsClient(client);
            long t0 = System.nanoTime();
            skills.publishPackage(Signer.current(kel, key), pkg, null, false);
            System.out.printf("publish (upload, claim, sign, log): %.1f ms%n", (System.nanoTime() - t0) / 1e6);

            SkillVerifier verifier = new SkillVerifier(skills,
                    LogVerifier.connect(client, new TrustedLogs(dir.resolve("trust")), List.of(), 0));
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < iterations + 5; i++) {
                long s = System.nanoTime();
                SkillVerifier.Verified v = verifier.verify("bench/big", null, true);
                Manifest.parse(SkillPackage.read(v.packageBytes()).manifest());
                Files.write(dir.resolve(v.digest() + ".zip"), v.packageBytes());
                if (i >= 5) { // the first runs warm the JIT and the key-history cache
                    ms.add((System.nanoTime() - s) / 1e6);
                }
            }
            Collections.sort(ms);
            System.out.printf("verify-and-install, %d runs: p50 %.1f ms, p90 %.1f ms, max %.1f ms%n", ms.size(),
                    ms.get(ms.size() / 2), ms.get(ms.size() * 9 / 10), ms.get(ms.size() - 1));
        }
        scanRate("binary package", pkg, seconds);
        scanRate("text package", textPkg, seconds);
    }

    private static void scanRate(String what, byte[] pkgBytes, int seconds) throws Exception {
        SkillPackage p = SkillPackage.read(pkgBytes);
        Scanner.Rules rules = Scanner.Rules.builtin();
        long end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < end) {
            Scanner.scan(p, rules); // warm-up
        }
        long bytes = 0;
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        end = start + seconds * 1_000_000_000L;
        String verdict = "";
        while (System.nanoTime() < end) {
            verdict = Scanner.scan(p, rules).verdict();
            bytes += pkgBytes.length;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        double cpuSecs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
        // Per CPU-second as well: on a shared, loaded machine the wall-clock rate mostly measures the neighbours.
        System.out.printf("scanner, %s: %.1f MB/s wall, %.1f MB per CPU-second (verdict %s)%n", what,
                bytes / 1e6 / secs, bytes / 1e6 / cpuSecs, verdict);
    }
}
