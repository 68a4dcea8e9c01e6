package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.ExternalSender;
import dev.carapace.mls.message.Proposal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link PublicGroup#fromGroupInfo}: what a party without any group key (the hub) can check and read. */
class PublicGroupTest {
    private static final GroupConfig CFG = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);

    private static Group threeMembers() {
        Group alice = Group.create(CFG, "public".getBytes(), GroupTest.member("alice"));
        PendingCommit add = alice.add(List.of(GroupTest.member("bob").keyPackage(),
                GroupTest.member("carol").keyPackage()));
        alice.merge(add);
        return alice;
    }

    @Test
    void aGroupInfoGivesTheMembersAndExtensionsWithoutSecrets() {
        Group alice = threeMembers();
        // A GroupContext extension (an application's policy travels the same way): an external sender.
        ExternalSender ds = new ExternalSender(alice.suite().signaturePublicKey(CipherSuite.randomBytes(32)),
                Credential.basic("delivery".getBytes()));
        alice.merge(alice.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(ExternalSender.toExtension(List.of(ds)))))));
        PublicGroup pg = PublicGroup.fromGroupInfo(CredentialValidator.ACCEPT_ALL,
                MlsMessage.decode(alice.groupInfo(true).encode()), null);
        assertThat(pg.epoch()).isEqualTo(alice.epoch());
        assertThat(pg.groupId()).isEqualTo(alice.groupId());
        assertThat(pg.suite()).isEqualTo(alice.suite());
        assertThat(pg.members()).hasSize(3);
        pg.members().forEach((leaf, node) -> assertThat(node.encode())
                .isEqualTo(alice.members().get(leaf).encode()));
        assertThat(ExternalSender.in(pg.contextExtensions())).singleElement()
                .satisfies(e -> assertThat(e.signatureKey()).isEqualTo(ds.signatureKey()));
        assertThat(pg.ratchetTree().encode()).isEqualTo(alice.ratchetTree().encode());

        // The tree may come out of band.
        PublicGroup outOfBand = PublicGroup.fromGroupInfo(CredentialValidator.ACCEPT_ALL,
                MlsMessage.decode(alice.groupInfo(false).encode()), alice.ratchetTree());
        assertThat(outOfBand.members()).hasSize(3);
    }

    @Test
    void aForgedOrIncompleteGroupInfoIsRefused() {
        Group alice = threeMembers();
        byte[] gi = alice.groupInfo(true).encode();
        byte[] forged = gi.clone();
        forged[forged.length - 1] ^= 1; // the signature's last byte
        assertThatThrownBy(() -> PublicGroup.fromGroupInfo(CredentialValidator.ACCEPT_ALL,
                MlsMessage.decode(forged), null)).isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> PublicGroup.fromGroupInfo(CredentialValidator.ACCEPT_ALL,
                MlsMessage.decode(alice.groupInfo(false).encode()), null))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("no ratchet tree");
        // A tree that is not the one the GroupContext commits to.
        Group other = threeMembers();
        assertThatThrownBy(() -> PublicGroup.fromGroupInfo(CredentialValidator.ACCEPT_ALL,
                MlsMessage.decode(alice.groupInfo(false).encode()), other.ratchetTree()))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("tree hash");
        // Every member's credential goes through the caller's validator.
        assertThatThrownBy(() -> PublicGroup.fromGroupInfo((c, k) -> {
            if (Arrays.equals(c.identity(), "carol".getBytes())) {
                throw new MlsException("carol refused");
            }
        }, MlsMessage.decode(gi), null)).hasMessageContaining("carol refused");
        assertThatThrownBy(() -> PublicGroup.fromGroupInfo(CredentialValidator.ACCEPT_ALL,
                alice.encrypt(new byte[1], new byte[0]), null)).isInstanceOf(DecodeException.class);
    }
}
