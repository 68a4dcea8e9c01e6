package dev.carapace.hub.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every limit of the hub lives in {@link HubLimits}: this scans the hub's main sources outside {@code hub.limits} and
 * fails on what looks like a limit written as a literal there (a numeric constant, a bounded table or bucket, a size
 * or length compared with a number, a duration of a literal), so a new limit is added to the registry with its why.
 */
class LimitRegistryTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/carapace/hub");

    /** Numeric constants that are not limits: advisory-lock ids. */
    private static final Set<String> NOT_LIMITS = Set.of("ADVISORY_KEY", "REGISTRY_LOCK");

    private static final Pattern NUMERIC_CONSTANT = Pattern.compile(
            "static\\s+final\\s+(?:int|long|double)\\s+(\\w+)\\s*=\\s*([^;]*\\d[^;]*);");
    private static final List<Pattern> LIMIT_LITERALS = List.of(
            Pattern.compile("new\\s+KeyedBuckets\\((?:[^;]*?,\\s*)?\\d[\\d_]*\\s*[,)]"),
            Pattern.compile("\\.(?:size|length)\\(\\)\\s*[<>]=?\\s*\\d[\\d_]{2,}"),
            Pattern.compile("\\w+\\+\\+\\s*==\\s*\\d[\\d_]{2,}"),
            // A duration of one unit is a bucket's period, named with its limit (..._PER_HOUR); any other is a limit.
            Pattern.compile("Duration\\.of\\w+\\(\\s*(?!1\\))\\d"),
            Pattern.compile("LinkedBlockingQueue<[^>]*>\\(\\s*\\d"),
            Pattern.compile("set\\w*(?:Size|Timeout)\\(\\s*\\d"));

    @Test
    void noLimitLiteralOutsideTheRegistry() throws IOException {
        assertThat(SOURCES).as("run from the hub module").isDirectory();
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (f.startsWith(SOURCES.resolve("limits"))) {
                    continue;
                }
                String src = stripComments(Files.readString(f));
                Matcher m = NUMERIC_CONSTANT.matcher(src);
                while (m.find()) {
                    if (!NOT_LIMITS.contains(m.group(1)) && !m.group(2).contains("HubLimits.")) {
                        found.add(f.getFileName() + ": " + m.group().trim());
                    }
                }
                for (Pattern p : LIMIT_LITERALS) {
                    Matcher l = p.matcher(src);
                    while (l.find()) {
                        found.add(f.getFileName() + ": " + l.group().trim());
                    }
                }
            }
        }
        assertThat(found).as("limits written outside HubLimits").isEmpty();
    }

    /** docs/architecture.md ("Limits") lists every entry of the registry, so the table cannot drift from the code. */
    @Test
    void theArchitectureDocumentListsEveryLimit() throws IOException {
        Path doc = Path.of("../docs/architecture.md");
        assertThat(doc).as("run from the hub module").isRegularFile();
        String table = Files.readString(doc);
        List<String> missing = new ArrayList<>();
        for (java.lang.reflect.Field f : HubLimits.class.getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) && !table.contains("| `" + f.getName() + "` |")) {
                missing.add(f.getName());
            }
        }
        assertThat(missing).as("limits missing from docs/architecture.md").isEmpty();
    }

    /** The scan itself catches what it is for. */
    @Test
    void theScanFindsLimitLiterals() {
        assertThat(NUMERIC_CONSTANT.matcher("static final int MAX_THINGS = 64;").find()).isTrue();
        assertThat(LIMIT_LITERALS.stream().filter(p -> p.matcher(
                "new KeyedBuckets(N, Duration.ofHours(1), 100_000);").find())).hasSize(1);
        assertThat(LIMIT_LITERALS.stream().anyMatch(p -> p.matcher("Duration.ofMinutes(30)").find())).isTrue();
        assertThat(LIMIT_LITERALS.stream().anyMatch(p -> p.matcher("if (cache.size() > 100_000) {").find())).isTrue();
        assertThat(LIMIT_LITERALS.stream().anyMatch(p -> p.matcher("if (count++ == 200) {").find())).isTrue();
        assertThat(LIMIT_LITERALS.stream().anyMatch(p -> p.matcher("static final int X = HubLimits.X;").find()))
                .isFalse();
    }

    private static String stripComments(String src) {
        return src.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
    }
}
