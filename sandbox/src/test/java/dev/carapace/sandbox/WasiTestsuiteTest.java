package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The official WASI preview-1 test suite (WebAssembly/wasi-testsuite, ../shared/vectors/wasi: C and AssemblyScript)
 * run the way {@code carapace sandbox run} runs a skill: a manifest parsed from JSON that grants guest {@code /}
 * (bound to a fresh copy of the test's root folder) and declares the test's environment variables, bindings with
 * {@code --dir /=COPY}, {@code --env NAME=VALUE} and the arguments, then {@link Sandbox#run} on both engines. Each
 * test must exit with its expected code and print its expected stdout/stderr; a per-test table is printed.
 *
 * <p>The Rust suite (46 tests) is upstream only; {@code -Dcarapace.wasi.rust=DIR} (a checkout's
 * tests/rust/testsuite/wasm32-wasip1) measures it too, printing its table without asserting.
 */
class WasiTestsuiteTest {
    /**
     * Tests that need sockets, which the sandbox does not offer: allowed to fail. None in these suites: the two
     * sock_shutdown tests check the errnos for a bad descriptor and for a descriptor that is not a socket, which the
     * sandbox gives (EBADF, ENOTSOCK), so they must pass like every other test.
     */
    static final Set<String> UNSUPPORTED = Set.of();

    @TempDir
    Path tmp;

    record Outcome(boolean pass, String detail) {}

    static Path vectors() {
        String prop = System.getProperty("carapace.vectors");
        return prop == null ? null : Path.of(prop, "wasi");
    }

    @Test
    void cSuite() throws Exception {
        runSuite("c", true);
    }

    @Test
    void assemblyScriptSuite() throws Exception {
        runSuite("assemblyscript", true);
    }

    @Test
    void rustSuiteWhenGiven() throws Exception {
        String rust = System.getProperty("carapace.wasi.rust");
        assumeTrue(rust != null && Files.isDirectory(Path.of(rust)),
                "SKIPPED: -Dcarapace.wasi.rust=DIR not given (the Rust suite is upstream only)");
        runSuite(Path.of(rust), "rust", false);
    }

    void runSuite(String folder, boolean assertAll) throws Exception {
        Path base = vectors();
        assumeTrue(base != null && Files.isDirectory(base.resolve(folder)),
                "SKIPPED: no ../shared/vectors/wasi/" + folder);
        runSuite(base.resolve(folder), folder, assertAll);
    }

    void runSuite(Path dir, String label, boolean assertAll) throws Exception {
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wasm"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format("%nWASI testsuite (%s): test | interpreter | compiled%n", label));
        List<String> failures = new ArrayList<>();
        int[] passed = new int[2];
        for (String name : names) {
            Outcome[] o = new Outcome[2];
            for (Engine e : Engine.values()) {
                o[e.ordinal()] = runOne(dir, name, e);
                if (o[e.ordinal()].pass()) {
                    passed[e.ordinal()]++;
                } else if (!UNSUPPORTED.contains(name)) {
                    failures.add(name + " (" + e + "): " + o[e.ordinal()].detail());
                }
            }
            table.append(String.format("  %-45s %-5s %-5s %s%n", name, o[0].pass() ? "pass" : "FAIL",
                    o[1].pass() ? "pass" : "FAIL", o[0].pass() && o[1].pass() ? ""
                            : (UNSUPPORTED.contains(name) ? "[unsupported: sockets] " : "")
                                    + (o[0].pass() ? o[1] : o[0]).detail()));
        }
        table.append(String.format("  %s: interpreter %d/%d, compiled %d/%d%n", label, passed[0], names.size(),
                passed[1], names.size()));
        System.out.print(table);
        if (assertAll) {
            assertThat(failures).as(table.toString()).isEmpty();
        }
    }

    Outcome runOne(Path dir, String name, Engine engine) {
        try {
            Path specFile = dir.resolve(name + ".json");
            JsonNode spec = Files.exists(specFile) ? Json.parse(Files.readString(specFile)) : Json.object();
            List<String> args = new ArrayList<>();
            if (spec.has("args")) {
                spec.get("args").forEach(a -> args.add(a.asString()));
            }
            Map<String, String> env = new LinkedHashMap<>();
            if (spec.has("env")) {
                for (String k : spec.get("env").propertyNames()) {
                    env.put(k, spec.get("env").get(k).asString());
                }
            }
            String root = spec.has("root") ? spec.get("root").asString()
                    : spec.has("dirs") && spec.get("dirs").size() > 0 ? spec.get("dirs").get(0).asString() : null;

            ObjectNode manifest = Json.object();
            manifest.put("name", "wasi-testsuite/" + name.toLowerCase(java.util.Locale.ROOT)
                    .replaceAll("[^a-z0-9._-]", "-"));
            manifest.put("version", "1.0.0");
            manifest.putObject("entrypoints").putObject("main").put("export", "_start");
            ObjectNode perms = manifest.putObject("permissions");
            if (root != null) {
                perms.putArray("filesystem").addObject().put("path", "/").put("access", "read-write");
            }
            if (!env.isEmpty()) {
                ArrayNode names = perms.putArray("env");
                env.keySet().forEach(names::add);
            }
            manifest.putObject("limits").put("memoryPages", 1024).put("wallMs", 60_000).put("cpuMs", 60_000);

            Sandbox.Bindings b = Sandbox.Bindings.none().withArgs(args);
            for (var e : env.entrySet()) {
                b = b.withEnv(e.getKey(), e.getValue());
            }
            if (root != null) {
                Path copy = tmp.resolve(name + "-" + engine);
                copyTree(dir.resolve(root), copy);
                b = b.withDir("/", copy);
            }
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Sandbox.Result r = Sandbox.run(Files.readAllBytes(dir.resolve(name + ".wasm")),
                    Manifest.parse(Json.compact(manifest)), "main", b, AuditLog.inMemory(log), engine);
            if (r.violation() != null) {
                return new Outcome(false, "violation " + r.violation().message() + " " + clip(new String(r.stderr(), StandardCharsets.UTF_8)));
            }
            int want = spec.has("exit_code") ? spec.get("exit_code").asInt() : 0;
            String out = new String(r.stdout(), StandardCharsets.UTF_8);
            String err = new String(r.stderr(), StandardCharsets.UTF_8);
            if (r.exitCode() != want) {
                return new Outcome(false, "exit " + r.exitCode() + " (want " + want + ") " + clip(err + out));
            }
            if (spec.has("stdout") && !spec.get("stdout").asString().equals(out)) {
                return new Outcome(false, "stdout " + clip(out));
            }
            if (spec.has("stderr") && !spec.get("stderr").asString().equals(err)) {
                return new Outcome(false, "stderr " + clip(err));
            }
            return new Outcome(true, "");
        } catch (Exception | AssertionError e) {
            return new Outcome(false, e.getClass().getSimpleName() + ": " + clip(String.valueOf(e.getMessage())));
        }
    }

    static String clip(String s) {
        s = s.replaceAll("\\s+", " ").trim();
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    /** A writable copy (the vectors are read-only); symlinks are copied as symlinks. */
    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Path t = to.resolve(from.relativize(d).toString());
                Files.createDirectories(t);
                Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isSymbolicLink(f)) {
                    Files.createSymbolicLink(t, Files.readSymbolicLink(f));
                } else {
                    Files.copy(f, t, LinkOption.NOFOLLOW_LINKS);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
