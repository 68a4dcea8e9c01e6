package dev.carapace.cli.skill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.cli.CliException;
import dev.carapace.skills.Manifest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The consent prompt's words; what needs consent is client.skills.InstallPlan's (InstallPlanTest). */
class SkillPermissionsTest {
    static Manifest manifest(String permissions) {
        return SkillPermissions.parse(("{\"name\":\"acme/x\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":"
                + "\"_start\"}},\"permissions\":" + permissions + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void thePromptNamesEveryGrantAndSaysNothingExplicitly() {
        String prompt = SkillPermissions.prompt("Install acme/x 1.0.0?", manifest("{\"filesystem\":[{\"path\":"
                + "\"/out\",\"access\":\"read-write\"}],\"network\":[\"api.example.com\"],\"secrets\":[\"KEY\"],"
                + "\"env\":[\"LANG\",\"REGION\"]}"));
        assertThat(prompt).startsWith("Install acme/x 1.0.0?\nIt may:\n").contains(
                "read and WRITE files in /out (a host folder you bind with --dir /out=FOLDER)",
                "connect to api.example.com:443 over HTTP(S)", "read the secret KEY",
                "receive the environment variable LANG", "receive the environment variable REGION",
                ", 8 HTTP requests");
        assertThat(SkillPermissions.prompt("t", manifest("{}")))
                .contains("nothing: no files, no network, no secrets, no environment variables");
    }

    @Test
    void anUnacceptableManifestFailsVerificationNamingTheField() {
        assertThatThrownBy(() -> manifest("{\"netwrk\":[]}")).isInstanceOf(CliException.class)
                .hasMessageContaining("the skill's manifest is not acceptable").hasMessageContaining("netwrk");
    }
}
