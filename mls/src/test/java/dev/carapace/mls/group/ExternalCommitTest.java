package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.PublicMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.schedule.RatchetLimits;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Joining by external commit (RFC 9420 §12.4.3.2): the joiner's side and the members' side. */
class ExternalCommitTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

    private static GroupConfig config(boolean encryptHandshake) {
        return new GroupConfig(CredentialValidator.ACCEPT_ALL, 1, RatchetLimits.DEFAULT, encryptHandshake, Map.of(),
                Clock.systemUTC());
    }

    private static KeyPackageBundle member(String name, byte[] signatureKey) {
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)), signatureKey,
                Duration.ofDays(1));
    }

    private static MlsMessage wire(MlsMessage m) {
        return GroupTest.wire(m);
    }

    private record Pair(Group alice, Group bob, KeyPackageBundle aliceKp) {
        static Pair create(GroupConfig cfg) {
            KeyPackageBundle a = member("alice", CipherSuite.randomBytes(32));
            KeyPackageBundle b = member("bob", CipherSuite.randomBytes(32));
            Group alice = Group.create(cfg, "ext".getBytes(), a);
            PendingCommit add = alice.add(List.of(b.keyPackage()));
            alice.merge(add);
            return new Pair(alice, Group.join(cfg, wire(add.welcome()), b, null), a);
        }
    }

    private static void assertTalk(Group from, Group to, String text) {
        MlsMessage m = from.encrypt(text.getBytes(), new byte[0]);
        Received.Application got = (Received.Application) to.process(wire(m));
        assertThat(got.data()).isEqualTo(text.getBytes());
        assertThat(got.senderLeaf()).isEqualTo(from.myLeafIndex());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void newMemberJoinsByExternalCommit(boolean encrypt) {
        GroupConfig cfg = config(encrypt);
        Pair p = Pair.create(cfg);
        MlsMessage gi = p.bob().groupInfo(true);
        assertThat(gi.wireFormat()).isEqualTo(MlsMessage.GROUP_INFO);

        ExternalJoin j = Group.joinExternal(cfg, wire(gi), null, member("carol", CipherSuite.randomBytes(32)));
        Group carol = j.group();
        assertThat(j.commit().wireFormat()).isEqualTo(MlsMessage.PUBLIC_MESSAGE);
        PublicMessage pm = wire(j.commit()).publicMessage();
        assertThat(pm.content().sender()).isEqualTo(new Sender(Sender.NEW_MEMBER_COMMIT, 0));
        assertThat(pm.content().commit().proposals()).singleElement()
                .satisfies(por -> assertThat(por.proposal()).isInstanceOf(Proposal.ExternalInit.class));
        assertThat(carol.epoch()).isEqualTo(2);
        assertThat(carol.myLeafIndex()).isEqualTo(2);

        assertThat(p.alice().process(wire(j.commit()))).isEqualTo(new Received.NewEpoch(2));
        assertThat(p.bob().process(wire(j.commit()))).isEqualTo(new Received.NewEpoch(2));
        assertThat(carol.epochAuthenticator()).isEqualTo(p.alice().epochAuthenticator())
                .isEqualTo(p.bob().epochAuthenticator());
        assertThat(carol.export("x", new byte[0], 32)).isEqualTo(p.alice().export("x", new byte[0], 32));
        assertTalk(carol, p.alice(), "hi from carol");
        assertTalk(p.alice(), carol, "hi carol");
        assertTalk(p.bob(), carol, "hi from bob");

        // The joiner is a full member: its own commits are processed by the others.
        PendingCommit u = carol.update();
        carol.merge(u);
        p.alice().process(wire(u.commit()));
        p.bob().process(wire(u.commit()));
        assertThat(p.bob().epochAuthenticator()).isEqualTo(carol.epochAuthenticator());
    }

    @Test
    void treeOutOfBand() {
        GroupConfig cfg = config(true);
        Pair p = Pair.create(cfg);
        MlsMessage gi = wire(p.alice().groupInfo(false));
        assertThat(Extension.find(gi.groupInfo().extensions(), Extension.RATCHET_TREE)).isNull();
        KeyPackageBundle carolKp = member("carol", CipherSuite.randomBytes(32));
        assertThatThrownBy(() -> Group.joinExternal(cfg, gi, null, carolKp))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("no ratchet tree");
        // A tree that is not the one the GroupContext commits to (here: the previous epoch's).
        var oldTree = p.alice().ratchetTree();
        oldTree.removeLeaf(1);
        assertThatThrownBy(() -> Group.joinExternal(cfg, gi, oldTree, carolKp))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("tree hash");

        ExternalJoin j = Group.joinExternal(cfg, gi, p.alice().ratchetTree(), carolKp);
        p.alice().process(wire(j.commit()));
        p.bob().process(wire(j.commit()));
        assertThat(j.group().epochAuthenticator()).isEqualTo(p.bob().epochAuthenticator());
    }

    @Test
    void tamperedGroupInfoRejected() {
        GroupConfig cfg = config(true);
        Pair p = Pair.create(cfg);
        GroupInfo gi = p.alice().groupInfo(true).groupInfo();
        KeyPackageBundle carolKp = member("carol", CipherSuite.randomBytes(32));

        byte[] sig = gi.signature().clone();
        sig[3] ^= 1;
        GroupInfo badSig = new GroupInfo(gi.groupContext(), gi.extensions(), gi.confirmationTag(), gi.signer(), sig);
        assertThatThrownBy(() -> Group.joinExternal(cfg, MlsMessage.of(badSig), null, carolKp))
                .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("GroupInfo");

        // An attacker swaps in an external_pub whose private key it holds: the signature no longer covers it.
        byte[] attackerPub = S.generateHpkeKeyPair()[1];
        List<Extension> swapped = gi.extensions().stream().map(e -> e.type() != Extension.EXTERNAL_PUB ? e
                : new Extension(Extension.EXTERNAL_PUB, new TlsWriter().writeVarBytes(attackerPub).toByteArray()))
                .toList();
        GroupInfo badPub = new GroupInfo(gi.groupContext(), swapped, gi.confirmationTag(), gi.signer(),
                gi.signature());
        assertThatThrownBy(() -> Group.joinExternal(cfg, MlsMessage.of(badPub), null, carolKp))
                .isInstanceOf(InvalidSignatureException.class);

        // Signed by a leaf other than the one it names.
        GroupInfo wrongSigner = new GroupInfo(gi.groupContext(), gi.extensions(), gi.confirmationTag(), 1,
                new byte[0]).sign(S, p.aliceKp().signaturePrivateKey());
        assertThatThrownBy(() -> Group.joinExternal(cfg, MlsMessage.of(wrongSigner), null, carolKp))
                .isInstanceOf(InvalidSignatureException.class);

        // Validly signed but without external_pub: cannot be used for an external join.
        GroupInfo noPub = new GroupInfo(gi.groupContext(), gi.extensions().stream()
                .filter(e -> e.type() != Extension.EXTERNAL_PUB).toList(), gi.confirmationTag(), gi.signer(),
                new byte[0]).sign(S, p.aliceKp().signaturePrivateKey());
        assertThatThrownBy(() -> Group.joinExternal(cfg, MlsMessage.of(noPub), null, carolKp))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("external_pub");

        assertThatThrownBy(() -> Group.joinExternal(cfg, carolKpMessage(carolKp), null, carolKp))
                .isInstanceOf(DecodeException.class);
        assertThat(p.alice().epoch()).isEqualTo(1);
    }

    private static MlsMessage carolKpMessage(KeyPackageBundle kp) {
        return MlsMessage.of(kp.keyPackage());
    }

    @Test
    void anOutsiderCopyingAMembersCredentialCannotMakeItBelieveItWasRemoved() {
        // The application binds each name to one signature key, as Carapace binds credentials to key event logs.
        Map<String, byte[]> keys = new java.util.HashMap<>();
        CredentialValidator bound = (cred, key) -> {
            byte[] k = keys.get(new String(cred.identity(), StandardCharsets.UTF_8));
            if (k == null || !java.util.Arrays.equals(k, key)) {
                throw new ProtocolViolationException("credential not bound to this key");
            }
        };
        GroupConfig cfg = new GroupConfig(bound, 1, RatchetLimits.DEFAULT, false, Map.of(), Clock.systemUTC());
        KeyPackageBundle a = member("alice", CipherSuite.randomBytes(32));
        KeyPackageBundle c = member("carol", CipherSuite.randomBytes(32));
        keys.put("alice", S.signaturePublicKey(a.signaturePrivateKey()));
        keys.put("carol", S.signaturePublicKey(c.signaturePrivateKey()));
        Group alice = Group.create(cfg, "copycat".getBytes(), a);
        PendingCommit add = alice.add(List.of(c.keyPackage()));
        alice.merge(add);
        Group carol = Group.join(cfg, wire(add.welcome()), c, null);

        // Mallory has a GroupInfo and Carol's public credential, signs with her own key (her client checks nothing)
        // and "resyncs" Carol's leaf away.
        ExternalJoin forged = Group.joinExternal(config(false), wire(alice.groupInfo(true)), null,
                member("carol", CipherSuite.randomBytes(32)), carol.myLeafIndex());
        assertThatThrownBy(() -> carol.process(wire(forged.commit())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("not bound");
        assertThatThrownBy(() -> alice.process(wire(forged.commit()))).isInstanceOf(ProtocolViolationException.class);
        assertTalk(carol, alice, "still here"); // Carol's group is untouched and usable
    }

    @Test
    void aJoinerCannotBringAKeyAlreadyInTheGroup() {
        byte[] bobKey = CipherSuite.randomBytes(32);
        GroupConfig cfg = config(false);
        Group alice = Group.create(cfg, "dup-key".getBytes(), member("alice", CipherSuite.randomBytes(32)));
        alice.merge(alice.add(List.of(member("bob", bobKey).keyPackage())));
        assertThatThrownBy(() -> Group.joinExternal(cfg, wire(alice.groupInfo(true)), null,
                member("bob's twin", bobKey))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("already in the group");
    }

    @Test
    void resyncReplacesTheJoinersOldLeaf() {
        GroupConfig cfg = config(true);
        byte[] bobKey = CipherSuite.randomBytes(32);
        KeyPackageBundle a = member("alice", CipherSuite.randomBytes(32));
        KeyPackageBundle b = member("bob", bobKey);
        KeyPackageBundle c = member("carol", CipherSuite.randomBytes(32));
        Group alice = Group.create(cfg, "resync".getBytes(), a);
        PendingCommit add = alice.add(List.of(b.keyPackage(), c.keyPackage()));
        alice.merge(add);
        Group oldBob = Group.join(cfg, wire(add.welcome()), b, null);
        Group carol = Group.join(cfg, wire(add.welcome()), c, null);

        // Bob lost his state: he rejoins with the same credential and removes his old leaf in the same commit.
        ExternalJoin j = Group.joinExternal(cfg, wire(carol.groupInfo(true)), null, member("bob", bobKey),
                oldBob.myLeafIndex());
        assertThat(wire(j.commit()).publicMessage().content().commit().proposals()).hasSize(2);
        Group bob = j.group();
        alice.process(wire(j.commit()));
        carol.process(wire(j.commit()));
        assertThatThrownBy(() -> oldBob.process(wire(j.commit()))).isInstanceOf(RemovedFromGroupException.class);
        assertThat(bob.epochAuthenticator()).isEqualTo(alice.epochAuthenticator())
                .isEqualTo(carol.epochAuthenticator());
        assertThat(alice.members()).hasSize(3);
        assertThat(bob.myLeafIndex()).isEqualTo(1);
        assertTalk(bob, carol, "back again");
        assertTalk(alice, bob, "welcome back");

        // Nobody may "resync" someone else's leaf away.
        assertThatThrownBy(() -> Group.joinExternal(cfg, wire(alice.groupInfo(true)), null,
                member("mallory", CipherSuite.randomBytes(32)), carol.myLeafIndex()))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("credential");
        assertThatThrownBy(() -> Group.joinExternal(cfg, wire(alice.groupInfo(true)), null,
                member("bob", bobKey), 9)).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("Remove of leaf 9");
    }

    @Test
    void externalCommitFromAStaleGroupInfoIsRejected() {
        GroupConfig cfg = config(true);
        Pair p = Pair.create(cfg);
        MlsMessage gi = wire(p.alice().groupInfo(true));
        PendingCommit u = p.bob().update();
        p.bob().merge(u);
        p.alice().process(wire(u.commit()));
        ExternalJoin j = Group.joinExternal(cfg, gi, null, member("carol", CipherSuite.randomBytes(32)));
        assertThatThrownBy(() -> p.alice().process(wire(j.commit()))).isInstanceOf(WrongEpochException.class);
        assertThat(p.alice().epochAuthenticator()).isEqualTo(p.bob().epochAuthenticator());
    }

    @Test
    void tamperedExternalCommitRejectedWithoutStateChange() {
        GroupConfig cfg = config(true);
        Pair p = Pair.create(cfg);
        ExternalJoin j = Group.joinExternal(cfg, wire(p.alice().groupInfo(true)), null,
                member("carol", CipherSuite.randomBytes(32)));
        byte[] enc = j.commit().encode();
        enc[enc.length - 3] ^= 1; // inside the confirmation tag
        assertThatThrownBy(() -> p.alice().process(MlsMessage.decode(enc)))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("confirmation tag");
        assertThat(p.alice().epoch()).isEqualTo(1);
        p.alice().process(wire(j.commit()));
        assertThat(p.alice().epochAuthenticator()).isEqualTo(j.group().epochAuthenticator());
    }

    /**
     * Re-signs the joiner's commit with a changed proposal list: the signature verifies, so the members' proposal
     * list rules (RFC 9420 §12.2 for external commits) are what must refuse it.
     */
    private static MlsMessage withProposals(Group member, MlsMessage commit, byte[] joinerKey,
            List<Commit.ProposalOrRef> extra) {
        PublicMessage pm = commit.publicMessage();
        FramedContent fc = pm.content();
        List<Commit.ProposalOrRef> props = new ArrayList<>(fc.commit().proposals());
        props.addAll(extra);
        FramedContent changed = FramedContent.commit(fc.groupId(), fc.epoch(), fc.sender(), fc.authenticatedData(),
                new Commit(props, fc.commit().path()));
        byte[] sig = AuthenticatedContent.sign(S, joinerKey, MlsMessage.PUBLIC_MESSAGE, changed,
                member.state().context());
        return MlsMessage.of(new PublicMessage(changed, sig, pm.confirmationTag(), null));
    }

    @Test
    void membersEnforceExternalCommitProposalRules() {
        GroupConfig cfg = config(false);
        Pair p = Pair.create(cfg);
        byte[] carolKey = CipherSuite.randomBytes(32);
        ExternalJoin j = Group.joinExternal(cfg, wire(p.alice().groupInfo(true)), null, member("carol", carolKey));
        Group alice = p.alice();

        MlsMessage withAdd = withProposals(alice, j.commit(), carolKey, List.of(new Commit.ProposalOrRef(
                new Proposal.Add(member("dave", CipherSuite.randomBytes(32)).keyPackage()), null)));
        assertThatThrownBy(() -> alice.process(wire(withAdd))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("proposal type 1 in an external commit");

        MlsMessage prop = p.bob().proposeRemove(0);
        byte[] ref = ((Received.ProposalStored) alice.process(wire(prop))).reference();
        MlsMessage byRef = withProposals(alice, j.commit(), carolKey, List.of(new Commit.ProposalOrRef(null, ref)));
        assertThatThrownBy(() -> alice.process(wire(byRef))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("by reference");

        MlsMessage removesBob = withProposals(alice, j.commit(), carolKey, List.of(new Commit.ProposalOrRef(
                new Proposal.Remove(1), null)));
        assertThatThrownBy(() -> alice.process(wire(removesBob))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("another credential");

        MlsMessage twoInits = withProposals(alice, j.commit(), carolKey, List.of(new Commit.ProposalOrRef(
                new Proposal.ExternalInit(new byte[32]), null)));
        assertThatThrownBy(() -> alice.process(wire(twoInits))).isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("ExternalInit");

        assertThat(alice.epoch()).isEqualTo(1);
        alice.process(wire(j.commit()));
        assertThat(alice.epochAuthenticator()).isEqualTo(j.group().epochAuthenticator());
    }
}
