package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * Hostile modules (src/test/resources/escapes/*.wat), one per attack. Each test asserts the exact refusal the module
 * saw (its exit code carries the errno or host-call result) or the violation that stopped it, the audit record that
 * says so, and that nothing outside the grant changed. The whole suite runs once per engine: the compiled engine must
 * refuse and stop exactly what the interpreter does (the watchdog included).
 */
@ParameterizedClass
@EnumSource(Engine.class)
class EscapeTest {
    @Parameter
    Engine engine;

    static final int EACCES = Wasi.ERRNO_ACCES;
    static final int ENOTCAPABLE = Wasi.ERRNO_NOTCAPABLE;
    static final String SECRET_TEXT = "TOP SECRET host file";

    @TempDir
    Path tmp;
    Path data;
    Path outside;
    HttpServer server;
    HttpServer elsewhere;
    final AtomicInteger serverHits = new AtomicInteger();
    final AtomicInteger elsewhereHits = new AtomicInteger();
    final AtomicInteger lookups = new AtomicInteger();

    record Run(Sandbox.Result result, List<JsonNode> audit, String auditText) {
        int exit() {
            assertThat(result.violation()).as("violation").isNull();
            return result.exitCode();
        }

        SandboxViolation violation() {
            assertThat(result.violation()).as("violation").isNotNull();
            return result.violation();
        }

        /** The first record of this type whose details contain all of key=value-substring pairs. */
        JsonNode record(String type, String... kv) {
            for (JsonNode r : audit) {
                if (!r.get("type").asString().equals(type)) {
                    continue;
                }
                boolean all = true;
                for (int i = 0; i < kv.length; i += 2) {
                    JsonNode v = r.get("details").get(kv[i]);
                    all &= v != null && v.asString().contains(kv[i + 1]);
                }
                if (all) {
                    return r;
                }
            }
            throw new AssertionError("no " + type + " record with " + List.of(kv) + " in:\n" + auditText);
        }

        long count(String type) {
            return audit.stream().filter(r -> r.get("type").asString().equals(type)).count();
        }
    }

    @BeforeEach
    void files() throws Exception {
        data = Files.createDirectories(tmp.resolve("data"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(data.resolve("a.txt"), "public");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(outside.resolve("secret.txt"), SECRET_TEXT);
        Files.createSymbolicLink(data.resolve("link-to-secret"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(data.resolve("link-to-outside"), Path.of("..", "outside"));
        // Harmless where it is (it names the grant itself), not once moved one level up.
        Files.createSymbolicLink(data.resolve("sub/up"), Path.of(".."));
    }

    @AfterEach
    void stopServers() {
        if (server != null) {
            server.stop(0);
        }
        if (elsewhere != null) {
            elsewhere.stop(0);
        }
    }

    static String manifest(String permissions, String limits) {
        return "{\"name\":\"test/escape\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}},"
                + "\"permissions\":{" + permissions + "},\"limits\":{" + limits + "}}";
    }

    static final String READ_DATA = "\"filesystem\":[{\"path\":\"/data\",\"access\":\"read\"}]";
    static final String RW_DATA = "\"filesystem\":[{\"path\":\"/data\",\"access\":\"read-write\"}]";

    Run run(String module, String manifestJson, Sandbox.Bindings bindings) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sandbox.Result r = Sandbox.run(Wat.escape(module), Manifest.parse(manifestJson), "main", bindings,
                AuditLog.inMemory(log), engine);
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(AuditLog.verify(log.toByteArray()).valid()).isTrue();
        List<JsonNode> recs = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                recs.add(Json.parse(line));
            }
        }
        Run run = new Run(r, recs, text);
        if (r.violation() == null || r.violation().kind() != SandboxViolation.Kind.ADMISSION) {
            // Every admitted module must run on the engine asked for: a silent fallback would hide what is tested.
            run.record("engine", "requested", engine.name().toLowerCase(java.util.Locale.ROOT),
                    "engine", engine.name().toLowerCase(java.util.Locale.ROOT));
        }
        return run;
    }

    Run fs(String module, String grant) throws Exception {
        return run(module, manifest(grant, ""), Sandbox.Bindings.none().withDir("/data", data));
    }

    private void assertHostUnchanged() throws Exception {
        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo(SECRET_TEXT);
        assertThat(Files.readString(data.resolve("a.txt"))).isEqualTo("public");
        try (var s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("secret.txt");
        }
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("data", "outside");
        }
    }

    // ---- filesystem -------------------------------------------------------------------------------------------

    @Test
    void traversalAboveTheGrantIsRefused() throws Exception {
        Run r = fs("fs-traversal", READ_DATA);
        assertThat(r.exit()).isEqualTo(ENOTCAPABLE);
        r.record("fs.deny", "op", "path_open", "path", "../outside/secret.txt", "reason", "escapes the grant root");
        assertThat(r.count("fs.open")).isZero();
    }

    @Test
    void traversalThroughASubdirectoryIsRefused() throws Exception {
        Run r = fs("fs-traversal-deep", READ_DATA);
        assertThat(r.exit()).isEqualTo(ENOTCAPABLE);
        r.record("fs.deny", "path", "sub/../../outside", "reason", "escapes the grant root");
    }

    @Test
    void absolutePathIsRefused() throws Exception {
        Run r = fs("fs-absolute", READ_DATA);
        assertThat(r.exit()).isEqualTo(ENOTCAPABLE);
        r.record("fs.deny", "path", "/etc/passwd", "reason", "absolute path");
    }

    @Test
    void symlinkToAFileOutsideIsRefused() throws Exception {
        Run r = fs("fs-symlink-file", READ_DATA);
        assertThat(r.exit()).isEqualTo(ENOTCAPABLE);
        r.record("fs.deny", "path", "link-to-secret", "reason", "symlink leads outside the grant");
        assertThat(r.count("fs.open")).isZero();
    }

    @Test
    void symlinkToADirectoryOutsideIsRefused() throws Exception {
        Run r = fs("fs-symlink-dir", READ_DATA);
        assertThat(r.exit()).isEqualTo(ENOTCAPABLE);
        r.record("fs.deny", "path", "link-to-outside/secret.txt", "reason", "symlink leads outside the grant");
    }

    @Test
    void writeCreateTruncateAppendInAReadGrantAreRefused() throws Exception {
        for (String m : List.of("fs-write-readonly", "fs-create-readonly", "fs-truncate-readonly", "fs-append-readonly")) {
            Run r = fs(m, READ_DATA);
            assertThat(r.exit()).as(m).isEqualTo(EACCES);
            r.record("fs.deny", "op", "path_open", "reason", "read-only grant");
            assertThat(r.count("fs.open")).as(m).isZero();
        }
        assertThat(Files.exists(data.resolve("new.txt"))).isFalse();
        assertHostUnchanged();
    }

    @Test
    void writingThroughAnEscapingSymlinkInAWriteGrantIsRefused() throws Exception {
        Run r = fs("fs-symlink-write", RW_DATA);
        assertThat(r.exit()).isEqualTo(ENOTCAPABLE);
        r.record("fs.deny", "path", "link-to-secret", "reason", "symlink leads outside the grant");
        assertHostUnchanged();
    }

    @Test
    void guessedDescriptorsAreBad() throws Exception {
        Run r = fs("fs-unknown-fd", READ_DATA);
        assertThat(r.exit()).isEqualTo(Wasi.ERRNO_BADF);
        assertThat(r.count("fs.open")).isZero();
    }

    @Test
    void mkdirUnlinkRmdirRenameInAReadGrantAreRefused() throws Exception {
        String[][] cases = {
            {"fs-mkdir-readonly", "path_create_directory", "newdir"},
            {"fs-unlink-readonly", "path_unlink_file", "a.txt"},
            {"fs-rmdir-readonly", "path_remove_directory", "sub"},
            {"fs-rename-readonly", "path_rename", "a.txt"},
        };
        for (String[] c : cases) {
            Run r = fs(c[0], READ_DATA);
            assertThat(r.exit()).as(c[0]).isEqualTo(EACCES);
            r.record("fs.deny", "op", c[1], "path", c[2], "reason", "read-only grant");
        }
        assertThat(Files.isDirectory(data.resolve("sub"))).isTrue();
        assertThat(Files.exists(data.resolve("newdir"))).isFalse();
        assertThat(Files.exists(data.resolve("b.txt"))).isFalse();
        assertHostUnchanged();
    }

    @Test
    void mkdirAndRenameAboveAWriteGrantAreRefused() throws Exception {
        Run mk = fs("fs-mkdir-traversal", RW_DATA);
        assertThat(mk.exit()).isEqualTo(ENOTCAPABLE);
        mk.record("fs.deny", "op", "path_create_directory", "reason", "escapes the grant root");
        Run mv = fs("fs-rename-out", RW_DATA);
        assertThat(mv.exit()).isEqualTo(ENOTCAPABLE);
        mv.record("fs.deny", "op", "path_rename", "reason", "escapes the grant root");
        assertHostUnchanged();
    }

    @Test
    void linksLeadingOutsideAreRefusedLinksInsideAreAllowed() throws Exception {
        Run sym = fs("fs-symlink-create", RW_DATA);
        assertThat(sym.exit()).isEqualTo(ENOTCAPABLE);
        sym.record("fs.deny", "op", "path_symlink", "path", "etc-link", "reason",
                "symlink target leads outside the grant");
        assertThat(Files.exists(data.resolve("etc-link"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        Run out = fs("fs-hardlink-out", RW_DATA);
        assertThat(out.exit()).isEqualTo(ENOTCAPABLE);
        out.record("fs.deny", "op", "path_link", "reason", "symlink leads outside the grant");
        out.record("fs.deny", "op", "path_link", "reason", "symlink target leads outside the grant");
        assertThat(Files.exists(data.resolve("hard2"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        Run hard = fs("fs-hardlink-create", RW_DATA);
        assertThat(hard.exit()).isZero();
        hard.record("fs.link", "from", "/data/a.txt", "to", "/data/hard");
        assertThat(Files.isSameFile(data.resolve("hard"), data.resolve("a.txt"))).isTrue();
        assertHostUnchanged();
    }

    // ---- directory handles: renames and symlink swaps under an open descriptor ---------------------------------

    /**
     * A swap module (see its header) must have run every step, still see its own directory through the old
     * descriptor, and never show a name or a byte from the grant's parent or the folder outside.
     */
    private void assertSwapContained(String module) throws Exception {
        Run r = fs(module, RW_DATA);
        assertThat(r.exit()).as(r.auditText).isZero();
        String out = r.result().stdoutText();
        assertThat(out).as(module).contains("mine.txt").doesNotContain("outside").doesNotContain("secret.txt")
                .doesNotContain(SECRET_TEXT).doesNotContain("data").doesNotContain("link-to");
        // The fresh open of d goes through the swapped-in symlink and is refused.
        r.record("fs.deny", "op", "path_open", "path", "d", "reason", "symlink leads outside the grant");
        assertHostUnchanged();
    }

    @Test
    void anOpenDirectoryIsNotMovedByARenamedInSymlinkToTheGrantsParent() throws Exception {
        assertSwapContained("fs-swap-up");
    }

    @Test
    void anOpenDirectoryIsNotMovedByARenamedInSymlinkToAFolderOutside() throws Exception {
        assertSwapContained("fs-swap-out");
    }

    @Test
    void aSymlinkTheSkillMadeInsideTheGrantCannotBeMovedToLeadOut() throws Exception {
        assertSwapContained("fs-swap-self");
    }

    @Test
    void aHostSwappingADirectoryForASymlinkWhileTheSkillRunsNeverLeaksOutside() throws Exception {
        Path race = Files.createDirectories(data.resolve("race"));
        Files.writeString(race.resolve("mine.txt"), "mine");
        Path parked = data.resolve("race-parked");
        Path link = Files.createSymbolicLink(data.resolve("race-link"), Path.of("..", "outside"));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread host = new Thread(() -> {
            try {
                // Bounded: stops with the run, or after 2,000,000 swaps at most.
                for (int i = 0; i < 2_000_000 && !stop.get(); i++) {
                    Files.move(race, parked, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(link, race, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(race, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(parked, race, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                }
            } catch (Exception e) {
                failed.set(e);
            }
        });
        host.start();
        Run r;
        try {
            r = run("fs-race-host", manifest(RW_DATA, "\"wallMs\":120000,\"cpuMs\":120000,\"outputBytes\":16777216"),
                    Sandbox.Bindings.none().withDir("/data", data));
        } finally {
            stop.set(true);
            host.join();
        }
        assertThat(failed.get()).isNull();
        assertThat(swaps.get()).isPositive();
        assertThat(r.exit()).isZero();
        String out = r.result().stdoutText();
        // Whether a listing ever lands between two swaps depends on scheduling (under load it may not), so only
        // what must never happen is asserted.
        assertThat(out).doesNotContain("secret.txt").doesNotContain(SECRET_TEXT);
        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo(SECRET_TEXT);
    }

    @Test
    void readlinkAndStatThroughAnEscapingSymlinkAreRefused() throws Exception {
        Run rl = fs("fs-readlink-out", READ_DATA);
        assertThat(rl.exit()).isEqualTo(ENOTCAPABLE);
        rl.record("fs.deny", "op", "path_readlink", "reason", "symlink leads outside the grant");
        Run st = fs("fs-stat-symlink", READ_DATA);
        assertThat(st.exit()).isEqualTo(ENOTCAPABLE);
        st.record("fs.deny", "op", "path_filestat_get", "reason", "symlink leads outside the grant");
    }

    @Test
    void writesToAWriteGrantAreCappedByFsWriteBytes() throws Exception {
        Run fill = run("fs-disk-fill", manifest(RW_DATA, "\"fsWriteBytes\":200000"),
                Sandbox.Bindings.none().withDir("/data", data));
        assertThat(fill.exit()).isEqualTo(Wasi.ERRNO_DQUOT);
        fill.record("limit", "limit", "fsWriteBytes", "value", "200000", "path", "/data/fill.bin");
        fill.record("fs.close", "path", "/data/fill.bin", "written", String.valueOf(3 * 65536));
        assertThat(Files.size(data.resolve("fill.bin"))).isEqualTo(3 * 65536);

        Run sparse = run("fs-sparse-file", manifest(RW_DATA, ""), Sandbox.Bindings.none().withDir("/data", data));
        assertThat(sparse.exit()).isEqualTo(Wasi.ERRNO_DQUOT);
        sparse.record("limit", "limit", "fsWriteBytes", "path", "/data/sparse.bin");
        assertThat(Files.size(data.resolve("sparse.bin"))).isZero();
    }

    @Test
    void aWriteAtTheLargestOffsetCannotWrapTheWriteQuota() throws Exception {
        // The hole before offset 2^63-1 plus one byte used to cost a negative number of bytes: the quota was gone.
        Run r = run("fs-quota-overflow", manifest(RW_DATA, "\"fsWriteBytes\":200000"),
                Sandbox.Bindings.none().withDir("/data", data));
        assertThat(r.exit()).isEqualTo(Wasi.ERRNO_DQUOT);
        r.record("limit", "limit", "fsWriteBytes", "value", "200000", "path", "/data/wrap.bin");
        assertThat(Files.size(data.resolve("wrap.bin"))).isLessThanOrEqualTo(200000);
    }

    @Test
    void oneResolutionCannotHoldThousandsOfHostDescriptors() throws Exception {
        // 2,100 nested directories reached through 2 symlinks used to hold 2,100 host descriptors in one call; 22,000
        // (11 symlinks) exhausted a JVM allowed 20,000 (EMFILE, the stat answered EIO). Kept small here for time.
        try {
            Run r = run("fs-deep-resolution", manifest(RW_DATA,
                    "\"auditRecords\":1000000,\"wallMs\":120000,\"cpuMs\":120000"),
                    Sandbox.Bindings.none().withDir("/data", data));
            // Each open's record used to carry the whole guest path (4,200 characters here, 44,000 at 22,000 levels,
            // which was gigabytes of audit log within the record budget).
            r.audit().stream().filter(rec -> rec.get("type").asString().equals("fs.open")).forEach(rec ->
                    assertThat(rec.get("details").get("path").asString().length()).isLessThanOrEqualTo(259));
            assertThat(r.exit()).isEqualTo(Wasi.ERRNO_NAMETOOLONG);
        } finally {
            // Deeper than PATH_MAX: JUnit's own clean-up walks by path and cannot remove it; rm works by handles.
            assertThat(new ProcessBuilder("rm", "-rf", data.resolve("a").toString()).start().waitFor()).isZero();
        }
    }

    @Test
    void symlinkTargetsAreChargedToTheWriteQuota() throws Exception {
        // Each symlink stores its target on disk: 100 links of 3,999 bytes used to add 400 KB past a 200 KB quota.
        Run r = run("fs-symlink-fill", manifest(RW_DATA, "\"fsWriteBytes\":200000"),
                Sandbox.Bindings.none().withDir("/data", data));
        assertThat(r.exit()).isEqualTo(Wasi.ERRNO_DQUOT);
        r.record("limit", "limit", "fsWriteBytes", "value", "200000");
        long stored = 0;
        try (var s = Files.list(data)) {
            // The skill's links have two-letter names; the fixture's own links are not counted.
            for (Path p : s.filter(p -> Files.isSymbolicLink(p) && p.getFileName().toString().length() == 2)
                    .toList()) {
                stored += Files.readSymbolicLink(p).toString().length();
            }
        }
        assertThat(stored).isLessThanOrEqualTo(200000);
    }

    @Test
    void denialFloodsAreCappedAndTheLogFileSurvivesTheWatchdog() throws Exception {
        for (String limits : List.of("\"wallMs\":60000,\"cpuMs\":60000", "\"wallMs\":50,\"cpuMs\":60000")) {
            Path file = tmp.resolve("audit-" + limits.hashCode() + ".jsonl");
            Sandbox.Result r;
            try (AuditLog log = AuditLog.open(file)) {
                r = Sandbox.run(Wat.escape("fs-deny-flood"), Manifest.parse(manifest(READ_DATA, limits)), "main",
                        Sandbox.Bindings.none().withDir("/data", data), log, engine);
            }
            assertThat(r.violation()).as(limits).isNotNull();
            assertThat(r.violation().subject()).isIn("auditRecords", "wallMs");
            AuditLog.Verification v = AuditLog.verify(file);
            assertThat(v.valid()).as(v.detail()).isTrue();
            assertThat(v.records()).isLessThanOrEqualTo(Manifest.Limits.DEFAULT_AUDIT_RECORDS + 4);
            assertThat(Files.readAllLines(file).getLast()).contains("\"type\":\"violation\"");
        }
    }

    @Test
    void anUnboundGrantIsInvisible() throws Exception {
        Run r = run("fs-traversal", manifest(READ_DATA, ""), Sandbox.Bindings.none());
        assertThat(r.exit()).isEqualTo(Wasi.ERRNO_BADF);
    }

    // ---- network ----------------------------------------------------------------------------------------------

    Resolver resolver(String... addresses) {
        return host -> {
            lookups.incrementAndGet();
            List<InetAddress> out = new ArrayList<>();
            for (String a : addresses) {
                out.add(InetAddress.getByName(a));
            }
            return out;
        };
    }

    Run net(String module, String network, String limits, Resolver resolver, String... args) throws Exception {
        return run(module, manifest("\"network\":[" + network + "]", limits),
                Sandbox.Bindings.none().withResolver(resolver).withArgs(List.of(args)));
    }

    @Test
    void undeclaredHostIsRefusedWithoutALookup() throws Exception {
        Run r = net("net-undeclared-host", "\"api.example.com\"", "", resolver("93.184.216.34"));
        assertThat(r.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        r.record("net.deny", "host", "evil.example.net", "port", "443", "reason", "host not granted");
        assertThat(lookups).hasValue(0);
    }

    @Test
    void metadataAddressIsRefused() throws Exception {
        Run r = net("net-metadata-ip", "\"api.example.com\"", "", resolver("93.184.216.34"));
        assertThat(r.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        r.record("net.deny", "host", "169.254.169.254", "reason", "host not granted");
    }

    @Test
    void dnsRebindingToAPrivateAddressIsRefused() throws Exception {
        Run r = net("net-granted-name-rebind", "\"api.example.com\"", "", resolver("93.184.216.34", "10.1.2.3"));
        assertThat(r.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        r.record("net.deny", "host", "api.example.com", "reason", "resolves to private address 10.1.2.3");
        assertThat(lookups).hasValue(1);
        assertThat(r.count("net.request")).isZero();
    }

    @Test
    void grantedNameResolvingToMetadataOrLoopbackIsRefused() throws Exception {
        Run meta = net("net-granted-name-metadata", "\"metadata.example.com:80\"", "", resolver("169.254.169.254"));
        assertThat(meta.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        meta.record("net.deny", "reason", "cloud metadata address 169.254.169.254");
        Run lo = net("net-granted-name-metadata", "\"metadata.example.com:80\"", "", resolver("::ffff:127.0.0.1"));
        assertThat(lo.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        lo.record("net.deny", "reason", "loopback address");
        Run ula = net("net-granted-name-metadata", "\"metadata.example.com:80\"", "", resolver("fd12:3456::1"));
        assertThat(ula.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        ula.record("net.deny", "reason", "unique-local address");
    }

    @Test
    void loopbackLiteralWrongPortUserInfoAndOtherSchemesAreRefused() throws Exception {
        String[][] cases = {
            {"net-loopback-literal", "host not granted"},
            {"net-wrong-port", "host not granted"},
            {"net-userinfo", "without user info"},
            {"net-file-scheme", "scheme must be http or https"},
        };
        for (String[] c : cases) {
            Run r = net(c[0], "\"api.example.com\", \"localhost:8080\"", "", resolver("93.184.216.34"));
            assertThat(r.exit()).as(c[0]).isEqualTo(100 + CarapaceHost.DENIED);
            r.record("net.deny", "reason", c[1]);
        }
        assertThat(lookups).hasValue(0);
    }

    private int startServers() throws Exception {
        elsewhere = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        elsewhere.createContext("/", ex -> {
            elsewhereHits.incrementAndGet();
            ex.sendResponseHeaders(200, 6);
            ex.getResponseBody().write("stolen".getBytes(StandardCharsets.UTF_8));
            ex.close();
        });
        elsewhere.start();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            serverHits.incrementAndGet();
            String path = ex.getRequestURI().getPath();
            byte[] body = switch (path) {
                case "/big" -> new byte[10_000];
                case "/medium" -> new byte[2_000];
                case "/chunked" -> new byte[3_000];
                default -> "hello".getBytes(StandardCharsets.UTF_8);
            };
            if (path.equals("/redirect")) {
                ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/");
                ex.sendResponseHeaders(302, -1);
            } else {
                // Chunked for /big and /chunked (length 0), fixed length otherwise: both decoders are exercised.
                ex.sendResponseHeaders(200, path.equals("/big") || path.equals("/chunked") ? 0 : body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    @Test
    void aGrantedLiteralWorksAndRedirectsAreNotFollowed() throws Exception {
        int port = startServers();
        String base = "http://127.0.0.1:" + port;
        Run ok = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "", resolver(), base + "/hello");
        assertThat(ok.exit()).isEqualTo(105);
        assertThat(ok.result().stdoutText()).isEqualTo("hello");
        ok.record("net.request", "host", "127.0.0.1", "status", "200", "bytes", "5");
        Run chunked = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "", resolver(), base + "/chunked");
        assertThat(chunked.exit()).isEqualTo(100 + 3000);
        assertThat(chunked.result().stdout()).hasSize(3000);
        chunked.record("net.request", "status", "200", "bytes", "3000");

        Run redirect = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "", resolver(), base + "/redirect");
        assertThat(redirect.exit()).isEqualTo(100 + CarapaceHost.DENIED);
        redirect.record("net.deny", "status", "302", "reason", "redirect not followed");
        assertThat(elsewhereHits).hasValue(0);
        assertThat(lookups).hasValue(0);
    }

    @Test
    void httpsToAnUntrustedCertificateFailsClosed() throws Exception {
        Path ks = tmp.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-keypass", "changeit", "-alias", "s", "-keyalg", "EC", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(log).isZero();
        var store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(store, "changeit".toCharArray());
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        var tls = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tls.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ctx));
        tls.createContext("/", ex -> {
            serverHits.incrementAndGet();
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            ex.close();
        });
        tls.start();
        try {
            int port = tls.getAddress().getPort();
            // A generous wall budget: under load the handshake alone can outlast the default 2 s, and a host call
            // past the budget now ends the run as wallMs instead of returning the certificate error.
            Run r = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "\"wallMs\":30000,\"cpuMs\":30000",
                    resolver(), "https://127.0.0.1:" + port + "/");
            assertThat(r.exit()).isEqualTo(100 + CarapaceHost.NETWORK_ERROR);
            r.record("net.request", "host", "127.0.0.1", "reason", "network error");
            assertThat(serverHits).hasValue(0);
        } finally {
            tls.stop(0);
        }
    }

    @Test
    void aServerThatNeverAnswersCannotHoldTheSkillPastItsWallBudget() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (java.net.Socket held = silent.accept()) {
                    Thread.sleep(30_000);
                } catch (Exception e) {
                    // closed by the test's end
                }
            });
            int port = silent.getLocalPort();
            Run r = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "\"wallMs\":500,\"cpuMs\":5000", resolver(),
                    "http://127.0.0.1:" + port + "/");
            assertThat(r.violation().message()).isEqualTo("limit wallMs=500 exceeded");
            r.record("limit", "limit", "wallMs", "stopped", "true");
            assertThat(r.result().wallMillis()).isLessThan(500 + Sandbox.STOP_GRACE_MILLIS);
            acceptor.interrupt();
        }
    }

    @Test
    void oversizedResponsesAreRefused() throws Exception {
        int port = startServers();
        String base = "http://127.0.0.1:" + port;
        Run big = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "", resolver(), base + "/big");
        assertThat(big.exit()).isEqualTo(100 + CarapaceHost.TOO_LARGE);
        big.record("net.request", "status", "200", "reason", "response over out_cap");
        Run limited = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "\"httpResponseBytes\":1000", resolver(),
                base + "/medium");
        assertThat(limited.exit()).isEqualTo(100 + CarapaceHost.LIMIT_REACHED);
        limited.record("limit", "limit", "httpResponseBytes", "value", "1000");
    }

    @Test
    void requestCountIsCapped() throws Exception {
        int port = startServers();
        String url = "http://127.0.0.1:" + port + "/hello";
        Run r = net("net-fetch-args", "\"127.0.0.1:" + port + "\"", "\"httpRequests\":2", resolver(), url, url, url);
        assertThat(r.exit()).isEqualTo(100 + CarapaceHost.LIMIT_REACHED);
        r.record("limit", "limit", "httpRequests", "value", "2");
        r.record("net.deny", "reason", "request limit 2 reached");
        assertThat(serverHits).hasValue(2);
        assertThat(r.count("net.request")).isEqualTo(2);
    }

    // ---- secrets ----------------------------------------------------------------------------------------------

    @Test
    void secretProbingGetsOnlyWhatIsGrantedAndValuesAreNeverAudited() throws Exception {
        Run r = run("secret-probe", manifest("\"secrets\":[\"API_KEY\",\"OTHER_TOKEN\"]", ""),
                Sandbox.Bindings.none().withSecret("API_KEY", "sk-live-0123456789"));
        assertThat(r.exit()).isEqualTo(2 | 4 | 8);
        r.record("secret.get", "name", "API_KEY");
        r.record("secret.deny", "name", "AWS_SECRET_ACCESS_KEY", "reason", "not granted");
        r.record("secret.deny", "name", "HOME", "reason", "not granted");
        r.record("secret.deny", "name", "OTHER_TOKEN", "reason", "not provided");
        assertThat(r.auditText()).doesNotContain("sk-live-0123456789");
    }

    // ---- limits -----------------------------------------------------------------------------------------------

    @Test
    void infiniteLoopIsStoppedByTheWallClock() throws Exception {
        Run r = run("limit-infinite-loop", manifest("", "\"wallMs\":300,\"cpuMs\":60000"), Sandbox.Bindings.none());
        assertThat(r.violation().message()).isEqualTo("limit wallMs=300 exceeded");
        r.record("limit", "limit", "wallMs", "stopped", "true");
        r.record("violation", "kind", "limit", "subject", "wallMs");
        assertThat(r.result().wallMillis()).isLessThan(300 + Sandbox.STOP_GRACE_MILLIS);
    }

    @Test
    void cpuBurnIsStoppedByTheCpuBudget() throws Exception {
        Run r = run("limit-cpu-burn", manifest("", "\"wallMs\":60000,\"cpuMs\":200"), Sandbox.Bindings.none());
        assertThat(r.violation().message()).isEqualTo("limit cpuMs=200 exceeded");
        r.record("limit", "limit", "cpuMs", "stopped", "true");
        assertThat(r.result().cpuMillis()).isGreaterThanOrEqualTo(200);
    }

    @Test
    void memoryGrowthStopsAtTheManifestPages() throws Exception {
        Run r = run("limit-memory-bomb", manifest("", "\"memoryPages\":16"), Sandbox.Bindings.none());
        assertThat(r.exit()).isEqualTo(16);
        r.record("limit", "limit", "memoryPages", "value", "16");
    }

    @Test
    void admissionRefusesWhatLimitsCannotBound() throws Exception {
        String[][] cases = {
            {"limit-memory-initial", "memory starts at 1024 pages, above limits.memoryPages=16"},
            {"limit-gc-bomb", "WasmGC"},
            {"limit-huge-table", "table of 10000000 elements"},
            {"limit-shared-memory", "shared memory is not admitted"},
            {"limit-multi-memory", "multiple memories are not admitted"},
            {"import-env", "import env.system is not provided"},
            {"import-memory", "import env.memory is a memory"},
            {"exceptions", "exception handling"},
        };
        for (String[] c : cases) {
            Run r = run(c[0], manifest("", "\"memoryPages\":16"), Sandbox.Bindings.none());
            assertThat(r.violation().kind()).as(c[0]).isEqualTo(SandboxViolation.Kind.ADMISSION);
            assertThat(r.violation().message()).as(c[0]).contains(c[1]);
            r.record("violation", "kind", "admission", "message", c[1]);
        }
    }

    @Test
    void tableGrowthIsCapped() throws Exception {
        Run r = run("limit-table-grow", manifest("", ""), Sandbox.Bindings.none());
        assertThat(r.exit()).isEqualTo(1);
    }

    @Test
    void outputFloodIsStopped() throws Exception {
        Run r = run("limit-output-flood", manifest("", "\"outputBytes\":1000"), Sandbox.Bindings.none());
        assertThat(r.violation().message()).isEqualTo("limit outputBytes=1000 exceeded");
        assertThat(r.result().stdout().length).isLessThanOrEqualTo(1000);
        r.record("limit", "limit", "outputBytes", "stream", "stdout");
    }

    @Test
    void stackOverflowIsACleanViolationAndTheHostCarriesOn() throws Exception {
        Run r = run("limit-stack-overflow", manifest("", "\"wallMs\":20000,\"cpuMs\":20000"), Sandbox.Bindings.none());
        assertThat(r.violation().subject()).isEqualTo("stack");
        assertThat(r.violation().message()).startsWith("limit stack=");
        r.record("limit", "limit", "stack");
        assertThat(run("limit-memory-bomb", manifest("", ""), Sandbox.Bindings.none()).exit()).isEqualTo(16);
    }

    @Test
    void trapStormDoesNotHurtTheHost() throws Exception {
        int before = Thread.activeCount();
        for (int i = 0; i < 200; i++) {
            Run r = run("limit-trap", manifest("", ""), Sandbox.Bindings.none());
            assertThat(r.violation().kind()).isEqualTo(SandboxViolation.Kind.TRAP);
            assertThat(r.violation().message()).contains("divide by zero");
        }
        Thread.sleep(50);
        assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 2);
        assertThat(run("limit-memory-bomb", manifest("", ""), Sandbox.Bindings.none()).exit()).isEqualTo(16);
    }

    @Test
    void badPointersTrapInsteadOfReadingHostMemory() throws Exception {
        Run r = run("bad-pointer", manifest("", ""), Sandbox.Bindings.none());
        assertThat(r.violation().kind()).isEqualTo(SandboxViolation.Kind.TRAP);
        assertThat(r.result().stdout()).isEmpty();
    }

    @Test
    void thereAreAtLeastTwentyFiveHostileModules() throws Exception {
        try (var s = Files.list(Path.of("src", "test", "resources", "escapes"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".wat")).count()).isGreaterThanOrEqualTo(25);
        }
    }
}
