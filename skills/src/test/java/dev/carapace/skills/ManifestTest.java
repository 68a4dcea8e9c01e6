package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ManifestTest {
    static final String FULL = """
            {"name":"acme/hello","version":"1.0.0","description":"says hello",
             "entrypoints":{"main":{"export":"_start"}},
             "permissions":{"filesystem":[{"path":"/data","access":"read"},{"path":"/out","access":"read-write"}],
                            "network":["api.example.com:443","example.org","127.0.0.1:8080"],"secrets":["API_KEY"]},
             "limits":{"memoryPages":16,"wallMs":2000,"cpuMs":1500,"outputBytes":65536}}""";

    @Test
    void parsesTheDocumentedFormat() throws Exception {
        Manifest m = Manifest.parse(FULL);
        assertThat(m.name()).isEqualTo("acme/hello");
        assertThat(m.entrypoint("main").export()).isEqualTo("_start");
        assertThat(m.permissions().filesystem()).containsExactly(
                new Manifest.FsGrant("/data", Manifest.Access.READ),
                new Manifest.FsGrant("/out", Manifest.Access.READ_WRITE));
        assertThat(m.permissions().network()).containsExactly(new Manifest.NetGrant("api.example.com", 443),
                new Manifest.NetGrant("example.org", 443), new Manifest.NetGrant("127.0.0.1", 8080));
        assertThat(m.permissions().secrets()).containsExactly("API_KEY");
        assertThat(m.limits().cpuMs()).isEqualTo(1500);
        assertThat(m.limits().httpRequests()).isEqualTo(Manifest.Limits.DEFAULT_HTTP_REQUESTS);
    }

    @Test
    void missingSectionsMeanNothingGrantedAndDefaultLimits() throws Exception {
        Manifest m = Manifest.parse("{\"name\":\"a/b\",\"version\":\"0.1.0\",\"entrypoints\":{\"main\":{\"export\":\"run\"}}}");
        assertThat(m.permissions()).isEqualTo(Manifest.Permissions.none());
        assertThat(m.limits()).isEqualTo(Manifest.Limits.defaults());
    }

    @Test
    void unknownFieldsAreErrorsNamingTheField() {
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"description\"", "\"extra\":1,\"description\"")))
                .isInstanceOf(ManifestException.class).hasMessageContaining("'extra'");
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"wallMs\"", "\"gpuMs\":1,\"wallMs\"")))
                .isInstanceOf(ManifestException.class).hasMessageContaining("'gpuMs'");
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"access\":\"read\"}", "\"access\":\"read\",\"mode\":7}")))
                .isInstanceOf(ManifestException.class).hasMessageContaining("'mode'");
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"secrets\"", "\"envs\":[],\"secrets\"")))
                .isInstanceOf(ManifestException.class).hasMessageContaining("'envs'");
    }

    @Test
    void declaresEnvironmentVariablesAndMayGrantTheGuestRoot() throws Exception {
        Manifest m = Manifest.parse(FULL.replace("\"secrets\"", "\"env\":[\"LANG\",\"a_b\"],\"secrets\""));
        assertThat(m.permissions().env()).containsExactly("LANG", "a_b");
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"secrets\"", "\"env\":[\"A=B\"],\"secrets\"")))
                .isInstanceOf(ManifestException.class).hasMessageContaining("permissions.env");
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"secrets\"", "\"env\":[\"X\",\"X\"],\"secrets\"")))
                .isInstanceOf(ManifestException.class).hasMessageContaining("twice");
        String root = """
                {"name":"a/b","version":"1.0.0","entrypoints":{"main":{"export":"_start"}},
                 "permissions":{"filesystem":[{"path":"/","access":"read-write"}]}}""";
        assertThat(Manifest.parse(root).permissions().filesystem().get(0).path()).isEqualTo("/");
        // "/" holds every other guest path: it cannot be granted beside another one.
        assertThatThrownBy(() -> Manifest.parse(root.replace("\"read-write\"}", "\"read-write\"},"
                + "{\"path\":\"/data\",\"access\":\"read\"}"))).hasMessageContaining("overlap");
    }

    @Test
    void rejectsBadValues() {
        String[][] cases = {
            {"\"access\":\"read\"", "\"access\":\"write\"", "access"},
            {"\"/data\"", "\"/data/../etc\"", "bad segment"},
            {"\"/data\"", "\"data\"", "absolute"},
            {"\"/out\"", "\"/data/sub\"", "overlap"},
            {"api.example.com:443", "api.example.com:0", "bad port"},
            {"api.example.com:443", "API.example.com", "lower-case"},
            {"api.example.com:443", "http://x", "permissions.network entry"},
            {"\"API_KEY\"", "\"api key\"", "API_KEY"},
            {"\"memoryPages\":16", "\"memoryPages\":100000", "limits.memoryPages"},
            {"\"wallMs\":2000", "\"wallMs\":-1", "wallMs"},
            {"\"wallMs\":2000", "\"wallMs\":\"2s\"", "wallMs"},
            {"\"wallMs\":2000", "\"wallMs\":2000,\"fsWriteBytes\":2000000000", "limits.fsWriteBytes"},
            {"\"acme/hello\"", "\"Acme Hello\"", "name"},
            {"\"1.0.0\"", "\"v1\"", "version"},
            {"{\"main\":{\"export\":\"_start\"}}", "{}", "entrypoints"},
        };
        for (String[] c : cases) {
            assertThat(FULL).contains(c[0]);
            assertThatThrownBy(() -> Manifest.parse(FULL.replace(c[0], c[1]))).as(c[1])
                    .isInstanceOf(ManifestException.class).hasMessageContaining(c[2]);
        }
    }

    @Test
    void rejectsDuplicateKeysAndTrailingGarbage() {
        assertThatThrownBy(() -> Manifest.parse(FULL.replace("\"version\":\"1.0.0\"", "\"version\":\"1.0.0\",\"version\":\"2.0.0\"")))
                .isInstanceOf(ManifestException.class);
        assertThatThrownBy(() -> Manifest.parse(FULL + "{}")).isInstanceOf(ManifestException.class);
        assertThatThrownBy(() -> Manifest.parse("[]")).isInstanceOf(ManifestException.class);
    }

    @Test
    void ipv6Grants() throws Exception {
        assertThat(Manifest.netGrant("[::1]:8443")).isEqualTo(new Manifest.NetGrant("::1", 8443));
        assertThat(Manifest.netGrant("[fd00::1]").port()).isEqualTo(443);
        assertThatThrownBy(() -> Manifest.netGrant("[zz]")).isInstanceOf(ManifestException.class);
    }

    @Test
    void versionsCompareAsSemanticVersions() {
        assertThat(Manifest.compareVersions("1.10.0", "1.9.3")).isPositive();
        assertThat(Manifest.compareVersions("1.0.0-rc.1", "1.0.0")).isNegative();
        assertThat(Manifest.compareVersions("2.0.0", "2.0.0")).isZero();
        assertThat(Manifest.compareVersions("0.9.9", "1.0.0-alpha")).isNegative();
    }

    @Test
    void withoutPermissionsKeepsEverythingButThePermissions() throws Exception {
        Manifest m = Manifest.parse(FULL);
        Manifest q = m.withoutPermissions();
        assertThat(q.permissions()).isEqualTo(Manifest.Permissions.none());
        assertThat(q).isEqualTo(new Manifest(m.name(), m.version(), m.description(), m.entrypoints(),
                Manifest.Permissions.none(), m.limits()));
    }
}
