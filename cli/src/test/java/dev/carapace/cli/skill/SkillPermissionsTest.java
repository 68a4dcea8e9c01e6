package dev.carapace.cli.skill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.skills.Manifest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SkillPermissionsTest {
    static Manifest manifest(String permissions) {
        return SkillPermissions.parse(("{\"name\":\"acme/x\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":"
                + "\"_start\"}},\"permissions\":" + permissions + "}").getBytes(StandardCharsets.UTF_8));
    }

    static SkillPermissions.Policy policy(String json) {
        return SkillPermissions.Policy.parse(json.getBytes(StandardCharsets.UTF_8), "test");
    }

    @Test
    void wideningIsNewGrantsOrReadTurnedWrite() {
        Manifest before = manifest("{\"filesystem\":[{\"path\":\"/data\",\"access\":\"read\"}],\"network\":[\"a.example\"]}");
        Manifest after = manifest("{\"filesystem\":[{\"path\":\"/data\",\"access\":\"read-write\"}],"
                + "\"network\":[\"a.example\",\"b.example:8443\"],\"secrets\":[\"TOKEN\"]}");
        assertThat(SkillPermissions.widened(before.permissions(), after.permissions())).containsExactly(
                "~ /data: read -> read-write", "+ network b.example:8443", "+ secret TOKEN");
        assertThat(SkillPermissions.widened(after.permissions(), before.permissions())).isEmpty();
    }

    @Test
    void consentShowsDeclaredEnvironmentVariablesAndAnUpdateThatAddsOne() {
        Manifest before = manifest("{\"env\":[\"LANG\"]}");
        Manifest after = manifest("{\"env\":[\"LANG\",\"REGION\"]}");
        assertThat(SkillPermissions.prompt("Install acme/x 1.0.0?", after)).contains(
                "receive the environment variable LANG", "receive the environment variable REGION");
        assertThat(SkillPermissions.widened(before.permissions(), after.permissions())).containsExactly("+ env REGION");
        assertThat(SkillPermissions.widened(after.permissions(), before.permissions())).isEmpty();
    }

    @Test
    void aPolicyDeniesByDefaultAndNamesWhatItRefuses() {
        Manifest wants = manifest("{\"filesystem\":[{\"path\":\"/out\",\"access\":\"read-write\"}],"
                + "\"network\":[\"api.example.com\"],\"secrets\":[\"KEY\"]}");
        assertThat(policy("{}").refusals(wants, List.of(), false)).hasSize(3);
        assertThat(policy("{}").refusals(manifest("{}"), List.of(), false)).isEmpty();
        SkillPermissions.Policy generous = policy("{\"maxPermissions\":{\"filesystem\":\"read-write\","
                + "\"network\":[\"api.example.com\"],\"secrets\":[\"KEY\"]}}");
        assertThat(generous.refusals(wants, List.of(), false)).isEmpty();
        assertThat(generous.refusals(wants, List.of(), true)).singleElement().asString().contains("confusable");
        SkillPermissions.Policy audited = policy("{\"requireAudits\":{\"count\":2,\"auditors\":[\"a\",\"b\",\"c\"]}}");
        assertThat(audited.refusals(manifest("{}"), List.<String[]>of(new String[] {"a"}, new String[] {"x"}), false))
                .singleElement().asString().contains("needs 2 passing audit(s)");
        assertThat(audited.refusals(manifest("{}"), List.<String[]>of(new String[] {"a"}, new String[] {"c"}), false))
                .isEmpty();
    }

    @Test
    void policiesAreStrict() {
        assertThatThrownBy(() -> policy("{\"requireAudit\":{}}")).hasMessageContaining("requireAudit");
        assertThatThrownBy(() -> policy("{\"maxPermissions\":{\"filesystem\":\"all\"}}")).hasMessageContaining("filesystem");
        assertThatThrownBy(() -> policy("{\"requireAudits\":{\"count\":3,\"auditors\":[\"a\"]}}"))
                .hasMessageContaining("larger than the auditors");
        assertThatThrownBy(() -> policy("{\"maxPermissions\":{\"network\":[\"API.example.com\"]}}"))
                .hasMessageContaining("maxPermissions.network");
    }

    @Test
    void policyHostsAreReadAsManifestsReadThem() {
        Manifest wants = manifest("{\"network\":[\"[::1]:8080\",\"api.example.com\"]}");
        assertThat(policy("{\"maxPermissions\":{\"network\":[\"[::1]:8080\",\"api.example.com:443\"]}}")
                .refusals(wants, List.of(), false)).isEmpty();
        assertThat(policy("{\"maxPermissions\":{\"network\":[\"[::1]:8081\",\"api.example.com\"]}}")
                .refusals(wants, List.of(), false)).singleElement().asString().contains("::1");
    }
}
