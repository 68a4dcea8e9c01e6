package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random guest paths over a folder full of traps (symlinks in and out, relative and absolute, dangling, chained):
 * whatever the guard resolves (following the last symlink or not) must be inside the grant, and the guard must still
 * let ordinary paths through.
 */
class FileGuardRandomTest {
    @TempDir
    Path tmp;

    @Test
    void nothingTheGuardAllowsResolvesOutsideTheGrant() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("grant"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "s");
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/f"), "f");
        Files.writeString(root.resolve("a/b/g"), "g");
        Files.createSymbolicLink(root.resolve("in"), Path.of("a"));
        Files.createSymbolicLink(root.resolve("a/up"), Path.of(".."));
        Files.createSymbolicLink(root.resolve("a/upup"), Path.of("../.."));
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("a/b/rel-out"), Path.of("../../../outside"));
        Files.createSymbolicLink(root.resolve("chain"), Path.of("a/upup"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("../outside/nothing"));
        Files.createSymbolicLink(root.resolve("abs-in"), root.resolve("a/f"));

        Manifest m = Manifest.parse("""
                {"name":"t/guard","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/g","access":"read-write"}]}}""");
        Session session = new Session(m, AuditLog.inMemory(new ByteArrayOutputStream()), List.of(), Map.of(), Map.of(),
                null, null, Long.MAX_VALUE);
        FileGuard guard = new FileGuard(session, m.permissions().filesystem(), Map.of("/g", root));
        Path realRoot = root.toRealPath();

        List<String> segments = List.of("a", "b", "f", "g", "..", ".", "", "in", "up", "upup", "out", "rel-out",
                "chain", "dangling", "abs-in", "secret", "x");
        Random random = new Random(20261201);
        int allowedExisting = 0;
        int allowedChild = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder p = new StringBuilder();
            int n = 1 + random.nextInt(6);
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    p.append('/');
                }
                p.append(segments.get(random.nextInt(segments.size())));
            }
            String path = p.toString();
            try (FileGuard.Resolved r = guard.resolve(3, path, true)) {
                if (r.exists()) {
                    Path real = r.at().toRealPath();
                    assertThat(real.startsWith(realRoot)).as(path + " -> " + real).isTrue();
                    allowedExisting++;
                }
            } catch (FileGuard.Denied d) {
                // refused: fine
            }
            try (FileGuard.Resolved r = guard.resolve(3, path, false)) {
                // What gets created, removed or renamed: an entry of a directory inside the grant, never followed.
                Path parent = r.parent.self().toRealPath();
                assertThat(parent.startsWith(realRoot)).as(path + " -> " + parent).isTrue();
                allowedChild++;
            } catch (FileGuard.Denied d) {
                // refused: fine
            }
        }
        assertThat(allowedExisting).as("ordinary paths still work").isGreaterThan(500);
        assertThat(allowedChild).isGreaterThan(500);
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("s");
        guard.closeAll();
    }
}
