package dev.carapace.client.skills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.skills.InstallPlan.Candidate;
import dev.carapace.client.skills.InstallPlan.Change;
import dev.carapace.client.skills.InstallPlan.Consent;
import dev.carapace.client.skills.InstallPlan.ConsentBy;
import dev.carapace.client.skills.InstallPlan.Installed;
import dev.carapace.client.skills.InstallPlan.Widening;
import dev.carapace.client.skills.InstallRefusedException.Reason;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The install rules every installer applies alike: pin, no downgrade, permission diff, consent decision. */
class InstallPlanTest {
    static final ConsentBy PERSON = new ConsentBy.Person();

    static Manifest manifest(String version, String permissions) throws Exception {
        return Manifest.parse("{\"name\":\"acme/x\",\"version\":\"" + version + "\",\"entrypoints\":{\"main\":"
                + "{\"export\":\"_start\"}},\"permissions\":" + permissions + "}");
    }

    static String digest(String version, String permissions) {
        return Bytes.hex(Bytes.sha256((version + permissions).getBytes(StandardCharsets.UTF_8)));
    }

    static Candidate candidate(String version, String permissions) throws Exception {
        return new Candidate("acme/x", version, digest(version, permissions), manifest(version, permissions), true,
                Set.of(), false);
    }

    static Installed installed(String version, String permissions) throws Exception {
        return new Installed(version, digest(version, permissions), false, manifest(version, permissions));
    }

    static InstallPolicy policy(String json) throws Exception {
        return InstallPolicy.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static Reason refusal(ThrowingPlan plan) {
        try {
            plan.run();
        } catch (InstallRefusedException e) {
            return e.reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the plan was not refused");
    }

    interface ThrowingPlan {
        void run() throws Exception;
    }

    @Test
    void aDowngradeIsRefusedUnlessAskedForAndNeverOfferedAsAnUpdate() throws Exception {
        Installed now = installed("1.1.0", "{}");
        Candidate older = candidate("1.0.0", "{}");
        assertThatThrownBy(() -> InstallPlan.install(older, now, null, false, PERSON))
                .isInstanceOf(InstallRefusedException.class)
                .hasMessage("acme/x@1.0.0 is older than the installed 1.1.0; not downgrading");
        assertThat(refusal(() -> InstallPlan.install(older, now, null, false, PERSON))).isEqualTo(Reason.DOWNGRADE);
        InstallPlan asked = InstallPlan.install(older, now, null, true, PERSON);
        assertThat(asked.change()).isEqualTo(Change.DOWNGRADE);
        assertThat(asked.consent()).isInstanceOf(Consent.AskPerson.class);
        // a registry offering an older version as the latest is a rollback: no flag lets it through
        assertThatThrownBy(() -> InstallPlan.update(older, now, null, new ConsentBy.InAdvance()))
                .hasMessageContaining("refusing to downgrade");
        // pre-releases sort before their release
        assertThat(refusal(() -> InstallPlan.install(candidate("1.1.0-rc.1", "{}"), now, null, false, PERSON)))
                .isEqualTo(Reason.DOWNGRADE);
        assertThat(InstallPlan.install(candidate("1.10.0", "{}"), now, null, false, PERSON).change())
                .isEqualTo(Change.UPGRADE);
    }

    @Test
    void reinstallingTheSameVersionAsksAgainAndAnUpdateToItIsUpToDate() throws Exception {
        Installed now = installed("1.0.0", "{\"env\":[\"LANG\"]}");
        Candidate same = candidate("1.0.0", "{\"env\":[\"LANG\"]}");
        InstallPlan reinstall = InstallPlan.install(same, now, now.digest(), false, PERSON);
        assertThat(reinstall.change()).isEqualTo(Change.SAME);
        assertThat(reinstall.upToDate()).isFalse();
        assertThat(reinstall.widened()).isEmpty();
        assertThat(reinstall.consent()).as("an install always asks for the whole set").isInstanceOf(Consent.AskPerson.class);
        InstallPlan update = InstallPlan.update(same, now, now.digest(), PERSON);
        assertThat(update.upToDate()).isTrue();
        assertThat(update.consent()).isInstanceOf(Consent.NotNeeded.class);
    }

    @Test
    void otherBytesForAVersionSeenBeforeAreAnAttack() throws Exception {
        Candidate swapped = candidate("1.0.0", "{\"secrets\":[\"API_KEY\"]}");
        // pinned when it was seen, installed or not
        assertThatThrownBy(() -> InstallPlan.install(swapped, null, digest("1.0.0", "{}"), false, PERSON))
                .hasMessageStartingWith("ATTACK: the registry now serves different bytes for acme/x@1.0.0");
        // the installed entry pins its version even where the pins were lost
        Installed now = installed("1.0.0", "{}");
        assertThat(refusal(() -> InstallPlan.install(swapped, now, null, true, PERSON))).isEqualTo(Reason.PIN_MISMATCH);
        assertThat(refusal(() -> InstallPlan.update(swapped, now, null, PERSON))).isEqualTo(Reason.PIN_MISMATCH);
        assertThat(InstallPlan.install(swapped, null, swapped.digest(), false, PERSON).change()).isEqualTo(Change.NEW);
    }

    @Test
    void widenedPermissionsNeedConsentAgainAndNarrowerOnesDoNot() throws Exception {
        String narrow = "{\"filesystem\":[{\"path\":\"/data\",\"access\":\"read\"}],\"network\":[\"a.example\"]}";
        String wide = "{\"filesystem\":[{\"path\":\"/data\",\"access\":\"read-write\"},{\"path\":\"/out\","
                + "\"access\":\"read\"}],\"network\":[\"a.example:443\",\"b.example:8443\"],\"secrets\":[\"TOKEN\"]}";
        InstallPlan up = InstallPlan.update(candidate("1.1.0", wide), installed("1.0.0", narrow), null, PERSON);
        assertThat(up.widened()).map(Widening::toString).containsExactly("~ /data: read -> read-write",
                "+ read /out", "+ network b.example:8443", "+ secret TOKEN");
        assertThat(up.consent()).isInstanceOf(Consent.AskPerson.class);
        assertThat(InstallPlan.update(candidate("1.1.0", wide), installed("1.0.0", narrow), null,
                new ConsentBy.InAdvance()).consent()).isInstanceOf(Consent.InAdvance.class);

        InstallPlan down = InstallPlan.update(candidate("1.2.0", narrow), installed("1.1.0", wide), null, PERSON);
        assertThat(down.widened()).isEmpty();
        assertThat(down.consent()).as("nothing new to grant: nobody is asked").isInstanceOf(Consent.NotNeeded.class);
    }

    @Test
    void declaredEnvironmentVariablesAreShownAndAnUpdateAddingOneNeedsConsent() throws Exception {
        InstallPlan install = InstallPlan.install(candidate("1.0.0", "{\"env\":[\"LANG\"]}"), null, null, false,
                PERSON);
        assertThat(install.permissions().env()).containsExactly("LANG");
        InstallPlan update = InstallPlan.update(candidate("1.1.0", "{\"env\":[\"LANG\",\"REGION\"]}"),
                installed("1.0.0", "{\"env\":[\"LANG\"]}"), null, PERSON);
        assertThat(update.permissions().env()).containsExactly("LANG", "REGION");
        assertThat(update.widened()).containsExactly(new Widening.NewEnv("REGION"));
        assertThat(update.widened().get(0)).hasToString("+ env REGION");
        assertThat(update.consent()).isInstanceOf(Consent.AskPerson.class);
    }

    @Test
    void aPolicyPreApprovesOnlyWhatItAllowsAndNamesWhatItRefuses() throws Exception {
        String wants = "{\"filesystem\":[{\"path\":\"/out\",\"access\":\"read-write\"}],"
                + "\"network\":[\"api.example.com\"],\"secrets\":[\"KEY\"]}";
        ConsentBy empty = new ConsentBy.Policy(policy("{}"));
        Consent refused = InstallPlan.install(candidate("1.0.0", wants), null, null, false, empty).consent();
        assertThat(((Consent.RefusedByPolicy) refused).reasons()).hasSize(3);
        assertThat(InstallPlan.install(candidate("1.0.0", "{}"), null, null, false, empty).consent())
                .isInstanceOf(Consent.ByPolicy.class);
        ConsentBy generous = new ConsentBy.Policy(policy("{\"maxPermissions\":{\"filesystem\":\"read-write\","
                + "\"network\":[\"api.example.com\"],\"secrets\":[\"KEY\"]}}"));
        assertThat(InstallPlan.install(candidate("1.0.0", wants), null, null, false, generous).consent())
                .isInstanceOf(Consent.ByPolicy.class);
        Candidate confusable = new Candidate("acme/x", "1.0.0", digest("1.0.0", wants), manifest("1.0.0", wants), true,
                Set.of(), true);
        assertThat(((Consent.RefusedByPolicy) InstallPlan.install(confusable, null, null, false, generous).consent())
                .reasons()).singleElement().asString().contains("confusable");

        ConsentBy audited = new ConsentBy.Policy(policy("{\"requireAudits\":{\"count\":2,\"auditors\":[\"a\",\"b\","
                + "\"c\"]}}"));
        Candidate oneKnown = new Candidate("acme/x", "1.0.0", digest("1.0.0", "{}"), manifest("1.0.0", "{}"), true,
                Set.of("a", "x"), false);
        assertThat(((Consent.RefusedByPolicy) InstallPlan.install(oneKnown, null, null, false, audited).consent())
                .reasons()).singleElement().asString().contains("needs 2 passing audit(s)");
        Candidate twoKnown = new Candidate("acme/x", "1.0.0", digest("1.0.0", "{}"), manifest("1.0.0", "{}"), true,
                Set.of("a", "c"), false);
        assertThat(InstallPlan.install(twoKnown, null, null, false, audited).consent())
                .isInstanceOf(Consent.ByPolicy.class);

        // on an update the policy judges the whole new set, once something widened
        InstallPlan up = InstallPlan.update(candidate("1.1.0", "{\"network\":[\"api.example.com\"]}"),
                installed("1.0.0", "{}"), null, new ConsentBy.Policy(policy("{\"maxPermissions\":{\"network\":[]}}")));
        assertThat(((Consent.RefusedByPolicy) up.consent()).reasons())
                .containsExactly("network api.example.com:443 is not in maxPermissions.network");
    }

    @Test
    void policyHostsAreReadAsManifestsReadThem() throws Exception {
        Candidate wants = candidate("1.0.0", "{\"network\":[\"[::1]:8080\",\"api.example.com\"]}");
        assertThat(InstallPlan.install(wants, null, null, false, new ConsentBy.Policy(policy(
                "{\"maxPermissions\":{\"network\":[\"[::1]:8080\",\"api.example.com:443\"]}}"))).consent())
                .isInstanceOf(Consent.ByPolicy.class);
        assertThat(((Consent.RefusedByPolicy) InstallPlan.install(wants, null, null, false, new ConsentBy.Policy(policy(
                "{\"maxPermissions\":{\"network\":[\"[::1]:8081\",\"api.example.com\"]}}"))).consent()).reasons())
                .singleElement().asString().contains("::1");
    }

    @Test
    void policiesAreStrict() {
        assertThatThrownBy(() -> policy("{\"requireAudit\":{}}")).hasMessageContaining("requireAudit");
        assertThatThrownBy(() -> policy("{\"maxPermissions\":{\"filesystem\":\"all\"}}"))
                .hasMessageContaining("filesystem");
        assertThatThrownBy(() -> policy("{\"requireAudits\":{\"count\":3,\"auditors\":[\"a\"]}}"))
                .hasMessageContaining("larger than the auditors");
        assertThatThrownBy(() -> policy("{\"maxPermissions\":{\"network\":[\"API.example.com\"]}}"))
                .isInstanceOf(InstallPolicy.InvalidPolicyException.class)
                .hasMessageContaining("maxPermissions.network");
    }

    @Test
    void onlyAVerifiedSkillInstalledFromAVerifiedSourceCanBeUpdated() throws Exception {
        Candidate next = candidate("1.1.0", "{}");
        assertThat(refusal(() -> InstallPlan.update(next, null, null, PERSON))).isEqualTo(Reason.NOT_INSTALLED);
        Installed quarantined = new Installed("1.0.0", digest("1.0.0", "{}"), true, manifest("1.0.0", "{}"));
        assertThat(refusal(() -> InstallPlan.update(next, quarantined, null, PERSON)))
                .isEqualTo(Reason.UNSIGNED_INSTALLED);
    }

    @Test
    void anUnsignedCandidateIsGrantedNothingAndAuditsCountOnlyWhenPassing() throws Exception {
        Manifest wants = manifest("1.0.0", "{\"network\":[\"api.example.com\"],\"secrets\":[\"KEY\"]}");
        assertThat(wants.withoutPermissions().permissions()).isEqualTo(Manifest.Permissions.none());
        InstallPlan unsigned = InstallPlan.install(new Candidate("acme/x", "1.0.0", digest("1.0.0", "q"),
                wants.withoutPermissions(), false, Set.of(), false), null, null, false,
                new ConsentBy.Policy(policy("{}")));
        assertThat(unsigned.consent()).isInstanceOf(Consent.ByPolicy.class);

        SkillVerifier.Verified v = new SkillVerifier.Verified("acme/x", "1.0.0", digest("1.0.0", "{}"), new byte[0],
                Json.parse(("{\"name\":\"acme/x\",\"version\":\"1.0.0\",\"entrypoints\":{\"main\":{\"export\":"
                        + "\"_start\"}},\"permissions\":{\"env\":[\"LANG\"]}}").getBytes(StandardCharsets.UTF_8)),
                "alice", 1, null, 0, null, List.of(
                        statement("audit", "a", "pass"), statement("audit", "b", "fail"),
                        statement("vouch", "c", "pass")),
                false, List.of(), List.of("acme/y"), 0, java.util.Map.of());
        Candidate c = Candidate.verified(v);
        assertThat(c.passingAuditors()).containsExactly("a");
        assertThat(c.confusable()).isTrue();
        assertThat(c.manifest().permissions().env()).containsExactly("LANG");
    }

    static SkillVerifier.Statement statement(String kind, String signer, String verdict) throws Exception {
        return new SkillVerifier.Statement(kind, signer, 0, null,
                Json.parse(("{\"verdict\":\"" + verdict + "\"}").getBytes(StandardCharsets.UTF_8)), 0, null, null);
    }
}
