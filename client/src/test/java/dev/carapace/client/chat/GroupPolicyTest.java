package dev.carapace.client.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.group.CredentialValidator;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.group.StagedCommit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Proposal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Members refuse commits that break the group policy, whoever let them through. */
class GroupPolicyTest {
    // Credentials are checked elsewhere (ChatTest); here only the policy is under test.
    private static final GroupConfig CONFIG = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);

    private record Member(String id, KeyPackageBundle bundle) {}

    private static Member member() {
        Ed25519KeyPair k = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k, Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        byte[] sig = ChatClient.SUITE.generateSignaturePrivateKey();
        Credential c = Credential.basic(InstallationCertificate.issue(log, k, Bytes.b64url(Bytes.random(16)),
                ChatClient.SUITE.signaturePublicKey(sig)));
        return new Member(log.id().toString(), KeyPackageBundle.create(ChatClient.SUITE, c, sig, Duration.ofDays(1),
                ChatClient.CAPABILITIES));
    }

    /** What {@code observer} would conclude on receiving {@code commit} (staged, then discarded). */
    private static String check(Group observer, PendingCommit commit) {
        StagedCommit staged = observer.stageCommit(commit.commit());
        return GroupPolicy.checkCommit(observer.publicGroup(), staged.publicGroup());
    }

    @Test
    void onlyAdminsChangeMembershipOrPolicy() {
        Member a = member();
        Member b = member();
        Member c = member();
        Member d = member();
        Group ga = Group.create(CONFIG, Bytes.random(16), a.bundle());
        ga.merge(ga.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(new GroupPolicy(Set.of(a.id())).toExtension())))));
        PendingCommit add = ga.add(List.of(b.bundle().keyPackage(), c.bundle().keyPackage()));
        ga.merge(add);
        Group gb = Group.join(CONFIG, add.welcome(), b.bundle(), null);
        Group gc = Group.join(CONFIG, add.welcome(), c.bundle(), null);
        assertThat(GroupPolicy.from(gb.contextExtensions()).admins()).containsExactly(a.id());

        // b is a member, not an admin: adding, removing and promoting itself are refused by the others.
        assertThatThrownBy(() -> check(ga, gb.add(List.of(d.bundle().keyPackage()))))
                .isInstanceOf(MlsException.class).hasMessageContaining("not an admin");
        assertThatThrownBy(() -> check(ga, gb.remove(List.of(gc.myLeafIndex()))))
                .isInstanceOf(MlsException.class).hasMessageContaining("not an admin");
        assertThatThrownBy(() -> check(gc, gb.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(new GroupPolicy(Set.of(a.id(), b.id())).toExtension()))))))
                .isInstanceOf(MlsException.class).hasMessageContaining("not an admin");

        // b may refresh its own keys; a, the admin, may add and remove.
        assertThat(check(ga, gb.update())).isEqualTo(b.id());
        assertThat(check(gb, ga.add(List.of(d.bundle().keyPackage())))).isEqualTo(a.id());
        assertThat(check(gb, ga.remove(List.of(gc.myLeafIndex())))).isEqualTo(a.id());
    }

    @Test
    void aLeafReCertifiedAfterARotationIsTheSameMemberAnotherInstallationIsNot() throws Exception {
        Member a = member();
        Ed25519KeyPair k0 = Ed25519KeyPair.generate();
        Ed25519KeyPair k1 = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k0, k1.publicKey(), System.currentTimeMillis());
        byte[] sig = ChatClient.SUITE.generateSignaturePrivateKey();
        byte[] sigPub = ChatClient.SUITE.signaturePublicKey(sig);
        String installation = Bytes.b64url(Bytes.random(16));
        Credential first = Credential.basic(InstallationCertificate.issue(log, k0, installation, sigPub));
        KeyPackageBundle bundle = KeyPackageBundle.create(ChatClient.SUITE, first, sig, Duration.ofDays(1),
                ChatClient.CAPABILITIES);
        Group ga = Group.create(CONFIG, Bytes.random(16), a.bundle());
        ga.merge(ga.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(new GroupPolicy(Set.of(a.id())).toExtension())))));
        PendingCommit add = ga.add(List.of(bundle.keyPackage()));
        ga.merge(add);
        Group gb = Group.join(CONFIG, add.welcome(), bundle, null);

        // b rotates and re-certifies its leaf: a non-admin's commit, and no membership change.
        KeyEventLog rotated = log.rotate(k1, Ed25519KeyPair.generate().publicKey(), System.currentTimeMillis());
        Credential recertified = Credential.basic(InstallationCertificate.issue(rotated, k1, installation, sigPub));
        PendingCommit recertify = gb.update(recertified);
        assertThat(check(ga, recertify)).isEqualTo(log.id().toString());
        gb.merge(recertify);
        assertThat(gb.members().get(gb.myLeafIndex()).credential().identity()).isEqualTo(recertified.identity());

        // A credential for another installation of the same agent is not this member re-certifying: refused (the
        // leaf no longer counts as the committer's, so the commit cannot be attributed).
        Credential other = Credential.basic(InstallationCertificate.issue(rotated, k1,
                Bytes.b64url(Bytes.random(16)), sigPub));
        Group ga2 = Group.load(CONFIG, ga.save());
        ga2.process(recertify.commit());
        assertThatThrownBy(() -> check(ga2, gb.update(other))).isInstanceOf(MlsException.class)
                .hasMessageContaining("cannot be attributed");
    }

    @Test
    void aMissingOrMalformedPolicyHasNoAdmins() {
        assertThat(GroupPolicy.from(List.of()).admins()).isEmpty();
        assertThat(GroupPolicy.from(List.of(new dev.carapace.mls.message.Extension(GroupPolicy.EXTENSION_TYPE,
                "{\"v\":1,\"admins\":\"everyone\"}".getBytes()))).admins()).isEmpty();
    }
}
