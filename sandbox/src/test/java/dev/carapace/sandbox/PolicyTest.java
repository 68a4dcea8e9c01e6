package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTest {
    @TempDir
    Path tmp;

    @Test
    void onlyPublicUnicastAddressesArePublic() throws Exception {
        String[][] refused = {
            {"127.0.0.1", "loopback"}, {"10.0.0.1", "private"}, {"172.16.5.4", "private"}, {"192.168.1.1", "private"},
            {"169.254.169.254", "cloud metadata"}, {"169.254.1.1", "link-local"}, {"0.0.0.0", "unspecified"},
            {"100.64.0.1", "CGNAT"}, {"224.0.0.1", "multicast"}, {"240.0.0.1", "reserved"}, {"::1", "loopback"},
            {"fe80::1", "link-local"}, {"fd00::1", "unique-local"}, {"fc00::1", "unique-local"},
            {"::ffff:10.0.0.1", "private"}, {"64:ff9b::a9fe:a9fe", "embedded in IPv6"},
            {"2002:7f00:0001::", "loopback address (embedded"}, {"198.18.0.1", "benchmarking"},
        };
        for (String[] c : refused) {
            assertThat(AddressPolicy.nonPublic(InetAddress.getByName(c[0]))).as(c[0]).isNotNull().contains(c[1]);
        }
        for (String ok : new String[] {"93.184.216.34", "8.8.8.8", "2606:4700::1111", "1.1.1.1"}) {
            assertThat(AddressPolicy.nonPublic(InetAddress.getByName(ok))).as(ok).isNull();
        }
    }

    private static Manifest manifest(String permissions) throws Exception {
        return Manifest.parse("{\"name\":\"t/setup\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"_start\"}},"
                + "\"permissions\":{" + permissions + "}}");
    }

    @Test
    void setupThatCannotBeHonouredRunsNothing() throws Exception {
        byte[] hello = Wat.compile(Path.of("examples/hello/hello.wat"));
        Manifest m = manifest("\"filesystem\":[{\"path\":\"/data\",\"access\":\"read\"}],\"secrets\":[\"API_KEY\"]");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AuditLog audit = AuditLog.inMemory(log);
        assertThatThrownBy(() -> Sandbox.run(hello, m, "main", Sandbox.Bindings.none().withDir("/etc", tmp), audit))
                .isInstanceOf(SandboxException.class).hasMessage("directory /etc is not declared in the manifest");
        assertThatThrownBy(() -> Sandbox.run(hello, m, "main", Sandbox.Bindings.none().withSecret("AWS", "x"), audit))
                .isInstanceOf(SandboxException.class).hasMessage("secret AWS is not declared in the manifest");
        assertThatThrownBy(() -> Sandbox.run(hello, m, "main",
                Sandbox.Bindings.none().withDir("/data", tmp.resolve("missing")), audit))
                .isInstanceOf(SandboxException.class);
        Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> Sandbox.run(hello, m, "main",
                Sandbox.Bindings.none().withDir("/data", tmp.resolve("file")), audit))
                .isInstanceOf(SandboxException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> Sandbox.run(hello, m, "other", Sandbox.Bindings.none(), audit))
                .isInstanceOf(SandboxException.class).hasMessageContaining("no entrypoint 'other'");
        assertThat(log.size()).as("nothing ran, nothing was audited").isZero();
    }

    @Test
    void garbageIsRefusedAtAdmission() throws Exception {
        Sandbox.Result r = Sandbox.run(new byte[] {0, 'a', 's', 'm', 9, 9}, manifest(""), "main", Sandbox.Bindings.none(),
                AuditLog.inMemory(new ByteArrayOutputStream()));
        assertThat(r.violation().kind()).isEqualTo(SandboxViolation.Kind.ADMISSION);
        assertThat(r.violation().message()).startsWith("module rejected: malformed module");
        Sandbox.Result noExport = Sandbox.run(Wat.compile(Path.of("examples/hello/hello.wat")),
                Manifest.parse("{\"name\":\"t/x\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":\"run\"}}}"),
                "main", Sandbox.Bindings.none(), AuditLog.inMemory(new ByteArrayOutputStream()));
        assertThat(noExport.violation().message()).isEqualTo("module rejected: the module has no export named run");
    }

    @Test
    void theStartSectionRunsUnderTheSameWatchdog() throws Exception {
        Path wat = tmp.resolve("start.wat");
        Files.writeString(wat, """
                (module
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (func $init (loop $l (br $l)))
                  (start $init)
                  (func (export "_start") (call $exit (i32.const 0))))
                """);
        Manifest m = Manifest.parse("{\"name\":\"t/start\",\"version\":\"1.0.0\","
                + "\"entrypoints\":{\"main\":{\"export\":\"_start\"}},\"limits\":{\"wallMs\":200}}");
        Sandbox.Result r = Sandbox.run(Wat.compile(wat), m, "main", Sandbox.Bindings.none(),
                AuditLog.inMemory(new ByteArrayOutputStream()));
        assertThat(r.violation()).isNotNull();
        assertThat(r.violation().message()).isEqualTo("limit wallMs=200 exceeded");
    }
}
