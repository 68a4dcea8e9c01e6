package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Builds every corpus skill from source (WAT via wabt's wat2wasm, into target/corpus), packs it, scans it with
 * the built-in rules and reports precision and recall (warn or fail counts as detected) to
 * target/scanner-metrics.json.
 */
class CorpusTest {
    private static final Path CORPUS = Path.of("src", "test", "resources", "corpus");

    record Result(String kind, String name, String verdict, List<String> rules) {}

    @Test
    void corpusVerdictsAndMetrics() throws Exception {
        List<Result> results = new ArrayList<>();
        for (String kind : List.of("benign", "malicious")) {
            List<Path> dirs;
            try (Stream<Path> s = Files.list(CORPUS.resolve(kind))) { dirs = s.sorted().toList(); }
            for (Path src : dirs) {
                Path out = Path.of("target", "corpus", kind, src.getFileName().toString());
                Files.createDirectories(out);
                Files.copy(src.resolve("manifest.json"), out.resolve("manifest.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(src.resolve("README.md"), out.resolve("README.md"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Process p = new ProcessBuilder("wat2wasm", src.resolve("main.wat").toString(), "-o", out.resolve("main.wasm").toString())
                        .redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as("wat2wasm %s: %s", src, log).isZero();
                byte[] bytes = SkillPackage.pack(out);
                assertThat(SkillPackage.pack(out)).as("deterministic pack").isEqualTo(bytes);
                var report = Scanner.scan(SkillPackage.read(bytes), Scanner.Rules.builtin());
                results.add(new Result(kind, src.getFileName().toString(), report.verdict(),
                        report.findings().stream().map(Scanner.Finding::rule).distinct().toList()));
            }
        }
        long tp = results.stream().filter(r -> r.kind().equals("malicious") && !r.verdict().equals("pass")).count();
        long fn = results.stream().filter(r -> r.kind().equals("malicious") && r.verdict().equals("pass")).count();
        long fp = results.stream().filter(r -> r.kind().equals("benign") && !r.verdict().equals("pass")).count();
        long tn = results.stream().filter(r -> r.kind().equals("benign") && r.verdict().equals("pass")).count();
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        results.forEach(r -> System.out.printf(Locale.ROOT, "corpus %-9s %-28s %-4s %s%n", r.kind(), r.name(), r.verdict(), r.rules()));
        String metrics = String.format(Locale.ROOT,
                "{\"malicious\":%d,\"benign\":%d,\"tp\":%d,\"fn\":%d,\"fp\":%d,\"tn\":%d,\"precision\":%.4f,\"recall\":%.4f}%n",
                tp + fn, fp + tn, tp, fn, fp, tn, precision, recall);
        System.out.print("scanner metrics " + metrics);
        Files.writeString(Path.of("target", "scanner-metrics.json"), metrics);

        assertThat(tp + fn).isGreaterThanOrEqualTo(20);
        assertThat(fp + tn).isGreaterThanOrEqualTo(20);
        assertThat(results).filteredOn(r -> r.kind().equals("malicious")).allSatisfy(r -> assertThat(r.verdict()).as(r.name()).isNotEqualTo("pass"));
        assertThat(results).filteredOn(r -> r.kind().equals("benign")).allSatisfy(r -> assertThat(r.verdict()).as(r.name() + " " + r.rules()).isEqualTo("pass"));
    }
}
