package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.LogVerifier;
import dev.carapace.client.TrustedLogs;
import dev.carapace.client.skills.SkillVerificationException;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import dev.carapace.hub.ReputationHubTest;
import dev.carapace.hub.SkillsRegistryTest;
import dev.carapace.hub.store.Database;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.RevocationRule;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import dev.carapace.tlog.NoteVerifier;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, high 6: three brand-new identities could revoke anyone's skill, because anyone who logged an audit
 * counted as an auditor for the revocation quorum. Now a revocation by others counts only from identities with
 * standing (an owner or an owner-linked agent, registered and linked at least {@link RevocationRule#MIN_STANDING_AGE}
 * before it, whose reputation reaches standing: issue 16), once per owner, and the hub and the client agree.
 */
class RevocationQuorumAttackTest extends BackendTest {
    private static final String NAME = "alice/hello";
    private static final String VERSION = "1.0.0";

    private byte[] bytes;
    private String digest;
    private Scanner.ScanReport report;

    @BeforeEach
    void publish() throws Exception {
        HubFixture.Party alice = f.agent();
        bytes = SkillsRegistryTest.pkg(NAME, VERSION, "");
        skills().publishPackage(alice.signer(), bytes, null, false);
        digest = Bytes.hex(Bytes.sha256(bytes));
        report = Scanner.scan(SkillPackage.read(bytes), Scanner.Rules.builtin());
    }

    private SkillsClient skills() {
        return new SkillsClient(f.client);
    }

    private SkillVerifier verifier() throws Exception {
        return new SkillVerifier(skills(), LogVerifier.connect(f.client, new TrustedLogs(dir.resolve("trust")),
                List.of(), 0));
    }

    private void auditAndRevoke(HubFixture.Party p) throws Exception {
        skills().attest(p.signer(), Attestations.audit(NAME, VERSION, digest, report)
                .sign(p.log().currentKeyId(), p.key()));
        skills().attest(p.signer(), Attestations.revoke(NAME, VERSION, digest, "malicious, trust me")
                .sign(p.log().currentKeyId(), p.key()));
    }

    private boolean hubSaysRevoked() throws Exception {
        return skills().info(NAME).get("versions").get(0).get("revoked").asBoolean();
    }

    /** The time that passes in the test: registrations and links moved back as if made {@code days} ago. */
    private void age(List<HubFixture.Party> parties, int days) throws Exception {
        long back = Duration.ofDays(days).toMillis();
        try (Database db = Database.open(f.dbUrl, dir)) {
            db.inTransaction(c -> {
                for (HubFixture.Party p : parties) {
                    for (String sql : List.of("UPDATE identities SET created_ms = created_ms - ? WHERE id = ?",
                            "UPDATE owners SET created_ms = created_ms - ? WHERE id = ?",
                            "UPDATE agent_owners SET linked_ms = linked_ms - ? WHERE agent_id = ?")) {
                        try (PreparedStatement ps = c.prepareStatement(sql)) {
                            ps.setLong(1, back);
                            ps.setString(2, p.id());
                            ps.executeUpdate();
                        }
                    }
                }
                return null;
            });
        }
    }

    @Test
    void threeBrandNewIdentitiesCannotRevokeAnyonesSkill() throws Exception {
        for (int i = 0; i < 3; i++) {
            auditAndRevoke(f.agent());
        }
        assertThat(hubSaysRevoked()).isFalse();
        SkillVerifier.Verified v = verifier().verify(NAME, VERSION, true);
        assertThat(v.revoked()).isFalse();
        assertThat(v.warnings()).filteredOn(w -> w.contains("does not count toward the quorum")).hasSize(3);
    }

    @Test
    void freshOwnersAndFreshlyLinkedAgentsDoNotCountEither() throws Exception {
        for (int i = 0; i < 3; i++) {
            HubFixture.Party owner = f.owner("o" + i + "@example.org", "O" + i);
            HubFixture.Party agent = f.agent();
            f.link(owner, agent);
            auditAndRevoke(i == 0 ? owner : agent);
        }
        assertThat(hubSaysRevoked()).isFalse();
        assertThat(verifier().verify(NAME, VERSION, true).revoked()).isFalse();
    }

    @Test
    void oneOwnersAgentsCountOnceHoweverOld() throws Exception {
        HubFixture.Party owner = f.owner("sybil@example.org", "Sybil");
        List<HubFixture.Party> aged = new ArrayList<>(List.of(owner));
        for (int i = 0; i < 3; i++) {
            HubFixture.Party agent = f.agent();
            f.link(owner, agent);
            aged.add(agent);
        }
        age(aged, 30);
        for (HubFixture.Party p : aged) {
            auditAndRevoke(p);
        }
        assertThat(hubSaysRevoked()).isFalse();
        assertThat(verifier().verify(NAME, VERSION, true).revoked()).isFalse();
    }

    /** Three owners, each speaking itself or through a linked agent, registered and linked eight days ago. */
    private List<HubFixture.Party> agedAuditors() throws Exception {
        List<HubFixture.Party> auditors = new ArrayList<>();
        List<HubFixture.Party> aged = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HubFixture.Party owner = f.owner("auditor" + i + "@example.org", "Auditor " + i);
            HubFixture.Party agent = f.agent();
            f.link(owner, agent);
            aged.add(owner);
            aged.add(agent);
            auditors.add(i == 0 ? owner : agent); // an owner may speak for itself, or through its agent
        }
        age(aged, 8);
        return auditors;
    }

    /**
     * Issue 16: owners and age cost an attacker only patience (three unverified emails and a week), so three aged
     * owners without any reputation revoked anyone's skill. Standing now also needs reputation, which only trust from
     * the hub's seeds gives.
     */
    @Test
    void threeAgedOwnersWithoutReputationCannotRevoke() throws Exception {
        HubFixture.Party seed = HubFixture.party("agent");
        f = ReputationHubTest.withSeeds(f, List.of(seed));
        f.client.register(seed.log(), seed.key());
        for (HubFixture.Party p : agedAuditors()) {
            auditAndRevoke(p);
        }
        assertThat(hubSaysRevoked()).isFalse();
        SkillVerifier.Verified v = verifier().verify(NAME, VERSION, true);
        assertThat(v.revoked()).isFalse();
        assertThat(v.warnings()).filteredOn(w -> w.contains("no reputation standing")).hasSize(3);
    }

    @Test
    void theLegitimateQuorumStillRevokesOnTheHubOnlineAndOffline() throws Exception {
        HubFixture.Party seed = HubFixture.party("agent");
        f = ReputationHubTest.withSeeds(f, List.of(seed));
        f.client.register(seed.log(), seed.key());
        List<HubFixture.Party> auditors = agedAuditors();
        // Three auditors with standing: a seeded requester accepted their work.
        f.client.appendToLog(seed.signer(), ReputationHubTest.outcome(seed, auditors.toArray(HubFixture.Party[]::new)));
        for (HubFixture.Party a : auditors) {
            assertThat(ReputationHubTest.settled(f, a.id()).get("standing").asBoolean()).isTrue();
        }
        auditAndRevoke(auditors.get(0));
        auditAndRevoke(auditors.get(1));
        assertThat(hubSaysRevoked()).isFalse(); // two owners are not the quorum
        SkillVerifier sv = verifier();
        SkillVerifier.Verified notYet = sv.verify(NAME, VERSION, false);
        assertThat(notYet.revoked()).isFalse();
        assertThat(notYet.attestations()).allSatisfy(s -> assertThat(s.standing()).isNotNull());

        auditAndRevoke(auditors.get(2));
        assertThat(hubSaysRevoked()).isTrue();
        assertThatThrownBy(() -> verifier().verify(NAME, VERSION, true))
                .isInstanceOfSatisfying(SkillVerificationException.class,
                        e -> assertThat(e.step()).isEqualTo(SkillVerificationException.Step.REVOCATION));
        // An offline bundle carries the standing facts and the consents: the verdict is the same without the hub.
        SkillVerifier online = verifier();
        SkillVerifier.Verified revoked = online.verify(NAME, VERSION, false);
        assertThat(revoked.revoked()).isTrue();
        var bundle = online.bundle(revoked);
        NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
        assertThatThrownBy(() -> SkillVerifier.verifyBundle(bytes, bundle, vkey, List.of(), 0))
                .isInstanceOfSatisfying(SkillVerificationException.class,
                        e -> assertThat(e.step()).isEqualTo(SkillVerificationException.Step.REVOCATION));
    }
}
