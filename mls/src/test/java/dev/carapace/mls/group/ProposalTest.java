package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.schedule.RatchetLimits;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Standalone proposals (RFC 9420 §12.1): sent by one member, committed by reference by another. */
class ProposalTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final byte[] PSK_ID = "shared-psk".getBytes(StandardCharsets.UTF_8);

    private static GroupConfig config(boolean encryptHandshake) {
        return new GroupConfig(CredentialValidator.ACCEPT_ALL, 1, RatchetLimits.DEFAULT, encryptHandshake,
                Map.of(HexFormat.of().formatHex(PSK_ID), new byte[32]), Clock.systemUTC());
    }

    private static KeyPackageBundle member(String name) {
        return GroupTest.member(name);
    }

    private static MlsMessage wire(MlsMessage m) {
        return GroupTest.wire(m);
    }

    /** Alice, Bob and Carol at leaves 0, 1, 2, all in the same epoch. */
    private record Trio(Group alice, Group bob, Group carol) {
        static Trio create(GroupConfig cfg) {
            KeyPackageBundle b = member("bob");
            KeyPackageBundle c = member("carol");
            Group alice = Group.create(cfg, "proposals".getBytes(), member("alice"));
            PendingCommit add = alice.add(List.of(b.keyPackage(), c.keyPackage()));
            alice.merge(add);
            return new Trio(alice, Group.join(cfg, wire(add.welcome()), b, null),
                    Group.join(cfg, wire(add.welcome()), c, null));
        }

        void assertAgree() {
            assertThat(bob.epoch()).isEqualTo(alice.epoch());
            assertThat(bob.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
            assertThat(carol.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void removeProposedByOneCommittedByAnother(boolean encrypt) {
        Trio t = Trio.create(config(encrypt));
        MlsMessage prop = t.alice().proposeRemove(2);
        assertThat(prop.wireFormat()).isEqualTo(encrypt ? MlsMessage.PRIVATE_MESSAGE : MlsMessage.PUBLIC_MESSAGE);
        Received.ProposalStored stored = (Received.ProposalStored) t.bob().process(wire(prop));
        assertThat(stored.proposal()).isEqualTo(new Proposal.Remove(2));
        assertThat(stored.sender()).isEqualTo(Sender.member(0));
        t.carol().process(wire(prop));

        PendingCommit c = t.bob().commit(List.of());
        t.bob().merge(c);
        assertThat(t.alice().process(wire(c.commit()))).isEqualTo(new Received.NewEpoch(2));
        assertThatThrownBy(() -> t.carol().process(wire(c.commit()))).isInstanceOf(RemovedFromGroupException.class);
        assertThat(t.bob().epochAuthenticator()).isEqualTo(t.alice().epochAuthenticator());
        assertThat(t.alice().members()).containsOnlyKeys(0, 1);
        MlsMessage hi = t.bob().encrypt("after".getBytes(), new byte[0]);
        assertThat(((Received.Application) t.alice().process(wire(hi))).data()).isEqualTo("after".getBytes());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void addProposedByOneCommittedByAnother(boolean encrypt) {
        GroupConfig cfg = config(encrypt);
        Trio t = Trio.create(cfg);
        KeyPackageBundle d = member("dave");
        MlsMessage prop = t.carol().proposeAdd(d.keyPackage());
        t.alice().process(wire(prop));
        t.bob().process(wire(prop));

        PendingCommit c = t.alice().commit(List.of());
        t.alice().merge(c);
        t.bob().process(wire(c.commit()));
        t.carol().process(wire(c.commit()));
        Group dave = Group.join(cfg, wire(c.welcome()), d, null);
        t.assertAgree();
        assertThat(dave.epochAuthenticator()).isEqualTo(t.alice().epochAuthenticator());
        assertThat(dave.myLeafIndex()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void ownUpdateInstalledWhenAnotherMemberCommitsIt(boolean encrypt) {
        Trio t = Trio.create(config(encrypt));
        MlsMessage prop = t.alice().proposeUpdate();
        LeafNode proposed = ((Proposal.Update) ((Received.ProposalStored) t.bob().process(wire(prop)))
                .proposal()).leafNode();
        t.carol().process(wire(prop));
        assertThat(proposed.source()).isEqualTo(LeafNode.SOURCE_UPDATE);
        assertThat(proposed.encryptionKey()).isNotEqualTo(t.alice().members().get(0).encryptionKey());

        // Bob's path secret for the subtree holding Alice is encrypted to her new leaf key: she must have it.
        PendingCommit c = t.bob().commit(List.of());
        t.bob().merge(c);
        t.alice().process(wire(c.commit()));
        t.carol().process(wire(c.commit()));
        t.assertAgree();
        assertThat(t.alice().members().get(0).encryptionKey()).isEqualTo(proposed.encryptionKey());

        // And later paths encrypted to that leaf still decrypt (Carol's commit reaches Alice through her leaf).
        PendingCommit u = t.carol().update();
        t.carol().merge(u);
        t.alice().process(wire(u.commit()));
        t.bob().process(wire(u.commit()));
        t.assertAgree();
        MlsMessage m = t.alice().encrypt("a".getBytes(), new byte[0]);
        assertThat(((Received.Application) t.carol().process(wire(m))).senderLeaf()).isZero();
    }

    @Test
    void cachedProposalsAndAPendingOwnUpdateSurviveSaveAndLoad() {
        GroupConfig cfg = config(true);
        Trio t = Trio.create(cfg);
        MlsMessage update = t.alice().proposeUpdate();
        MlsMessage remove = t.carol().proposeRemove(1);
        t.bob().process(wire(update));
        t.bob().process(wire(remove));
        t.alice().process(wire(remove));
        Group alice = Group.load(cfg, t.alice().save()); // a restart between proposing and the commit
        Group carol = Group.load(cfg, t.carol().save());
        carol.process(wire(update));

        PendingCommit c = carol.commit(List.of());
        carol.merge(c);
        assertThat(c.commit()).isNotNull();
        alice.process(wire(c.commit())); // installs the Update's key restored from the saved state
        assertThatThrownBy(() -> t.bob().process(wire(c.commit()))).isInstanceOf(RemovedFromGroupException.class);
        assertThat(alice.epochAuthenticator()).isEqualTo(carol.epochAuthenticator());
        assertThat(alice.members()).containsOnlyKeys(0, 2);
        // The next path to alice is encrypted to the Update's key: she can only follow if it was restored.
        PendingCommit next = carol.update();
        carol.merge(next);
        alice.process(wire(next.commit()));
        assertThat(alice.epochAuthenticator()).isEqualTo(carol.epochAuthenticator());
    }

    @Test
    void committerLeavesOutItsOwnUpdateAndRefusesItInline() {
        Trio t = Trio.create(config(false));
        LeafNode before = t.alice().members().get(0);
        MlsMessage prop = t.alice().proposeUpdate();
        t.bob().process(wire(prop));
        LeafNode proposed = ((Proposal.Update) ((Received.ProposalStored) t.carol().process(wire(prop)))
                .proposal()).leafNode();

        assertThatThrownBy(() -> t.alice().commit(List.of(new Proposal.Update(proposed))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("Update proposal sender");
        PendingCommit c = t.alice().commit(List.of());
        assertThat(c.commit().publicMessage().content().commit().proposals()).isEmpty();
        t.alice().merge(c);
        t.bob().process(wire(c.commit()));
        t.carol().process(wire(c.commit()));
        t.assertAgree();
        assertThat(t.alice().members().get(0).encryptionKey()).isNotEqualTo(proposed.encryptionKey())
                .isNotEqualTo(before.encryptionKey());
    }

    @Test
    void proposalsAreDroppedAtEpochChange() {
        Trio t = Trio.create(config(false));
        LeafNode aliceLeaf = t.alice().members().get(0);
        MlsMessage remove = t.alice().proposeRemove(2);
        MlsMessage update = t.alice().proposeUpdate();
        t.bob().process(wire(remove));
        t.bob().process(wire(update));

        // Carol never saw the proposals and commits first: everyone's cache is cleared, Alice's pending key too.
        PendingCommit u = t.carol().update();
        t.carol().merge(u);
        t.alice().process(wire(u.commit()));
        t.bob().process(wire(u.commit()));
        t.assertAgree();
        assertThat(t.alice().members().get(0)).isEqualTo(aliceLeaf);
        assertThatThrownBy(() -> t.bob().process(wire(remove))).isInstanceOf(WrongEpochException.class);

        PendingCommit c = t.bob().commit(List.of());
        assertThat(c.commit().publicMessage().content().commit().proposals()).isEmpty();
        t.bob().merge(c);
        t.alice().process(wire(c.commit()));
        t.carol().process(wire(c.commit()));
        t.assertAgree();
        assertThat(t.alice().members()).hasSize(3);
    }

    @Test
    void commitReferencingAProposalTheReceiverNeverSawIsRejected() {
        Trio t = Trio.create(config(true));
        MlsMessage prop = t.alice().proposeRemove(2);
        t.bob().process(wire(prop));
        PendingCommit c = t.bob().commit(List.of());
        assertThatThrownBy(() -> t.carol().process(wire(c.commit())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("unknown proposal");
        assertThat(t.carol().epoch()).isEqualTo(1);
    }

    @Test
    void committerSkipsARemoveOfItselfAndDuplicateRemoves() {
        Trio t = Trio.create(config(false));
        MlsMessage removeBob = t.alice().proposeRemove(1);
        MlsMessage removeCarolA = t.alice().proposeRemove(2);
        MlsMessage removeCarolB = t.bob().proposeRemove(2);
        t.bob().process(wire(removeCarolA));
        t.bob().process(wire(removeBob));
        t.alice().process(wire(removeCarolB));
        // Bob leaves out the Remove of himself and commits one of the two Removes of Carol.
        PendingCommit c = t.bob().commit(List.of());
        List<Commit.ProposalOrRef> refs = c.commit().publicMessage().content().commit().proposals();
        assertThat(refs).hasSize(1);
        t.bob().merge(c);
        t.alice().process(wire(c.commit()));
        assertThat(t.bob().epochAuthenticator()).isEqualTo(t.alice().epochAuthenticator());
        assertThat(t.alice().members()).containsOnlyKeys(0, 1);
    }

    @Test
    void pskProposalCommittedByReference() {
        Trio t = Trio.create(config(true));
        MlsMessage prop = t.bob().propose(new Proposal.PreSharedKey(PreSharedKeyId.external(PSK_ID,
                CipherSuite.randomBytes(S.hashLength()))));
        t.alice().process(wire(prop));
        t.carol().process(wire(prop));
        PendingCommit c = t.carol().commit(List.of());
        t.carol().merge(c);
        t.alice().process(wire(c.commit()));
        t.bob().process(wire(c.commit()));
        t.assertAgree();
    }

    @Test
    void aSignatureKeyAlreadyInTheGroupOrTwoAddsOfOneClientAreRefused() {
        GroupConfig cfg = config(false);
        KeyPackageBundle bob = member("bob");
        Group alice = Group.create(cfg, "unique-keys".getBytes(), member("alice"));
        alice.merge(alice.add(List.of(bob.keyPackage())));
        KeyPackageBundle bobAgain = KeyPackageBundle.create(S, Credential.basic("bob, again".getBytes()),
                bob.signaturePrivateKey(), Duration.ofDays(1));
        assertThatThrownBy(() -> alice.add(List.of(bobAgain.keyPackage())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("signature key is already in use");
        KeyPackageBundle carol = member("carol");
        KeyPackageBundle carolTwice = KeyPackageBundle.create(S, Credential.basic("carol".getBytes()),
                carol.signaturePrivateKey(), Duration.ofDays(1));
        assertThatThrownBy(() -> alice.add(List.of(carol.keyPackage(), carolTwice.keyPackage())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("signature key is already in use");
        assertThat(alice.epoch()).as("nothing was committed").isEqualTo(1);
    }

    @Test
    void aCachedAddThatCollidesWithAMemberIsLeftOutAndDoesNotBlockCommits() {
        GroupConfig cfg = config(false);
        KeyPackageBundle bob = member("bob");
        Group alice = Group.create(cfg, "collide".getBytes(), member("alice"));
        PendingCommit add = alice.add(List.of(bob.keyPackage()));
        alice.merge(add);
        Group bobGroup = Group.join(cfg, wire(add.welcome()), bob, null);
        // Bob proposes adding "another" client that uses his own signature key again.
        KeyPackageBundle twin = KeyPackageBundle.create(S, Credential.basic("bob-twin".getBytes()),
                bob.signaturePrivateKey(), Duration.ofDays(1));
        MlsMessage prop = bobGroup.proposeAdd(twin.keyPackage());
        alice.process(wire(prop));
        KeyPackageBundle carol = member("carol");
        MlsMessage fine = bobGroup.proposeAdd(carol.keyPackage());
        alice.process(wire(fine));

        PendingCommit c = alice.commit(List.of());
        alice.merge(c);
        bobGroup.process(wire(c.commit()));
        assertThat(alice.members()).hasSize(3).as("carol added, the twin left out");
        assertThat(bobGroup.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
        Group carolGroup = Group.join(cfg, wire(c.welcome()), carol, null);
        assertThat(carolGroup.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
    }

    @Test
    void twoProposalsForOnePskAreRefused() {
        Trio t = Trio.create(config(false));
        Proposal psk = new Proposal.PreSharedKey(PreSharedKeyId.external(PSK_ID, CipherSuite.randomBytes(S.hashLength())));
        assertThatThrownBy(() -> t.alice().commit(List.of(psk, psk))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("same PSK");
    }

    @Test
    void invalidProposalsAreRefusedWhenSent() {
        Trio t = Trio.create(config(true));
        Group alice = t.alice();
        assertThatThrownBy(() -> alice.proposeRemove(7)).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("Remove of leaf 7");
        assertThatThrownBy(() -> alice.proposeRemove(-1)).isInstanceOf(ProtocolViolationException.class);
        LeafNode own = alice.members().get(0);
        assertThatThrownBy(() -> alice.propose(new Proposal.Update(own)))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("proposeUpdate");
        assertThatThrownBy(() -> alice.propose(new Proposal.ExternalInit(new byte[32])))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("ExternalInit");
        assertThatThrownBy(() -> alice.propose(new Proposal.PreSharedKey(PreSharedKeyId.external(
                "unknown".getBytes(), new byte[32])))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("pre-shared key");
        KeyPackageBundle expired = KeyPackageBundle.create(S, Credential.basic("old".getBytes()),
                CipherSuite.randomBytes(32), Duration.ofSeconds(-7200));
        assertThatThrownBy(() -> alice.proposeAdd(expired.keyPackage()))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("lifetime");
        // Nothing was cached: a commit now carries no proposals.
        PendingCommit c = alice.commit(List.of());
        alice.merge(c);
        t.bob().process(wire(c.commit()));
        t.carol().process(wire(c.commit()));
        t.assertAgree();
    }

    @Test
    void removedMemberCannotPropose() {
        Trio t = Trio.create(config(true));
        PendingCommit rm = t.alice().remove(List.of(2));
        t.alice().merge(rm);
        assertThatThrownBy(() -> t.carol().process(wire(rm.commit())))
                .isInstanceOf(RemovedFromGroupException.class);
        assertThatThrownBy(() -> t.carol().proposeUpdate()).isInstanceOf(RemovedFromGroupException.class);
        assertThatThrownBy(() -> t.carol().proposeRemove(0)).isInstanceOf(RemovedFromGroupException.class);
    }
}
