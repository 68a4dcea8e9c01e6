package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.message.Capabilities;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.message.RequiredCapabilities;
import dev.carapace.mls.schedule.RatchetLimits;
import dev.carapace.mls.tree.RatchetTree;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HardeningTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final GroupConfig CFG = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);
    private static final int EXT = 0xff00;
    private static final List<Extension> REQUIRE_EXT = List.of(
            new RequiredCapabilities(List.of(EXT), List.of(), List.of(Credential.BASIC)).toExtension());

    private static KeyPackageBundle member(String name, boolean listsExt) {
        Capabilities caps = new Capabilities(List.of(1), List.of(S.id()), listsExt ? List.of(EXT) : List.of(),
                List.of(), List.of(Credential.BASIC));
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)),
                S.generateSignaturePrivateKey(), Duration.ofDays(1), caps);
    }

    private static MlsMessage wire(MlsMessage m) {
        return MlsMessage.decode(m.encode());
    }

    @Test
    void requiredCapabilitiesEnforcedOnGroupContextExtensionsAddAndJoin() {
        // A member that does not list the extension cannot require it.
        Group plain = Group.create(CFG, "rc0".getBytes(), member("plain", false));
        assertThatThrownBy(() -> plain.commit(List.of(new Proposal.GroupContextExtensions(REQUIRE_EXT))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("required capability");

        KeyPackageBundle a = member("alice", true);
        KeyPackageBundle b = member("bob", true);
        Group alice = Group.create(CFG, "rc1".getBytes(), a);
        PendingCommit add = alice.add(List.of(b.keyPackage()));
        alice.merge(add);
        Group bob = Group.join(CFG, wire(add.welcome()), b, null);

        PendingCommit gce = alice.commit(List.of(new Proposal.GroupContextExtensions(REQUIRE_EXT)));
        alice.merge(gce);
        bob.process(wire(gce.commit()));
        assertThat(bob.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());

        // Adding someone who lacks it is refused by the committer, before any state change.
        KeyPackageBundle carol = member("carol", false);
        assertThatThrownBy(() -> alice.add(List.of(carol.keyPackage())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("extension type " + EXT);
        assertThat(alice.epoch()).isEqualTo(2);

        // A joiner checks every leaf of the tree it receives against the GroupContext's requirements.
        KeyPackageBundle dave = member("dave", true);
        PendingCommit addDave = alice.add(List.of(dave.keyPackage()));
        alice.merge(addDave);
        bob.process(wire(addDave.commit()));
        Group daveG = Group.join(CFG, wire(addDave.welcome()), dave, null);
        assertThat(daveG.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
        RatchetTree withCarol = alice.ratchetTree();
        withCarol.addLeaf(carol.keyPackage().leafNode());
        byte[] exts = Extension.encodeBody(REQUIRE_EXT);
        assertThatThrownBy(() -> TreeValidation.checkRequiredCapabilities(withCarol, exts))
                .isInstanceOf(ProtocolViolationException.class);
        TreeValidation.checkRequiredCapabilities(alice.ratchetTree(), exts);
    }

    @Test
    void forgedKeyPackageAmongManyIsRefused() {
        Group alice = Group.create(CFG, "many".getBytes(), member("alice", false));
        List<dev.carapace.mls.message.KeyPackage> kps = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            kps.add(member("m" + i, false).keyPackage());
        }
        dev.carapace.mls.message.KeyPackage k = kps.get(33);
        byte[] sig = k.signature().clone();
        sig[5] ^= 1;
        kps.set(33, new dev.carapace.mls.message.KeyPackage(k.version(), k.cipherSuite(), k.initKey(), k.leafNode(),
                k.extensions(), sig));
        assertThatThrownBy(() -> alice.add(kps)).isInstanceOf(dev.carapace.mls.InvalidSignatureException.class)
                .hasMessageContaining("Add 33");
        assertThat(alice.epoch()).isZero();
        kps.set(33, k);
        alice.merge(alice.add(kps));
        assertThat(alice.members()).hasSize(41);
    }

    @Test
    void groupExtensionsMustBeSupportedByAllMembers() {
        Group alice = Group.create(CFG, "rc2".getBytes(), member("alice", false));
        List<Extension> unknown = List.of(new Extension(EXT, new byte[] {1}));
        assertThatThrownBy(() -> alice.commit(List.of(new Proposal.GroupContextExtensions(unknown))))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("group extension");
    }

    private static LeafNode withParentHash(LeafNode l, byte[] ph) {
        return new LeafNode(l.encryptionKey(), l.signatureKey(), l.credential(), l.capabilities(),
                LeafNode.SOURCE_COMMIT, 0, 0, ph, l.extensions(), l.signature());
    }

    @Test
    void parentHashNeedsExactlyOneLink() {
        Group alice = Group.create(CFG, "ph".getBytes(), member("alice", false));
        alice.merge(alice.add(List.of(member("b", false).keyPackage(), member("c", false).keyPackage(),
                member("d", false).keyPackage())));
        alice.merge(alice.update());
        RatchetTree t = alice.ratchetTree();
        assertThat(t.verifyParentHashes(S)).isTrue();
        // Blank node 1 and re-point Alice's leaf straight at the root: one link, still valid.
        t.setParent(1, null);
        byte[] toRoot = t.parentHash(S, 3, 5);
        t.setLeaf(0, withParentHash(t.leaf(0), toRoot));
        assertThat(t.verifyParentHashes(S)).isTrue();
        // A second node in the same resolution claiming the same link (a replayed/forged leaf): refused.
        t.setLeaf(1, withParentHash(t.leaf(1), toRoot));
        assertThat(t.verifyParentHashes(S)).isFalse();
    }

    @Test
    void saveKeepsPastEpochsAndOlderVersionsStillLoad() {
        KeyPackageBundle a = member("alice", false);
        KeyPackageBundle b = member("bob", false);
        Group alice = Group.create(CFG, "sv".getBytes(), a);
        PendingCommit add = alice.add(List.of(b.keyPackage()));
        alice.merge(add);
        Group bob = Group.join(CFG, wire(add.welcome()), b, null);

        // Version 2 = version 3 without the trailing empty lists of cached proposals and pending Update keys;
        // version 1 (no past epochs) = version 2 without the trailing empty past-epoch list.
        byte[] v3 = bob.save();
        assertThat(v3[0]).isEqualTo((byte) GroupStateCodec.VERSION);
        assertThat(Arrays.copyOfRange(v3, v3.length - 3, v3.length)).containsOnly(0);
        byte[] v2 = Arrays.copyOf(v3, v3.length - 2);
        v2[0] = GroupStateCodec.VERSION_2;
        assertThat(Group.load(CFG, v2).epochAuthenticator()).isEqualTo(bob.epochAuthenticator());
        byte[] v1 = Arrays.copyOf(v3, v3.length - 3);
        v1[0] = GroupStateCodec.VERSION_1;
        assertThat(Group.load(CFG, v1).epochAuthenticator()).isEqualTo(bob.epochAuthenticator());

        MlsMessage late1 = alice.encrypt("late from epoch 1".getBytes(), new byte[0]);
        PendingCommit u = alice.update();
        alice.merge(u);
        bob.process(wire(u.commit()));
        MlsMessage late2 = alice.encrypt("late from epoch 2".getBytes(), new byte[0]);
        PendingCommit u2 = alice.update();
        alice.merge(u2);
        bob.process(wire(u2.commit()));

        byte[] saved = bob.save();
        Group bob2 = Group.load(CFG, saved);
        assertThat(((Received.Application) bob2.process(wire(late1))).data())
                .isEqualTo("late from epoch 1".getBytes());
        assertThat(((Received.Application) bob2.process(wire(late2))).data())
                .isEqualTo("late from epoch 2".getBytes());
        // A config keeping one past epoch restores only the newest one.
        GroupConfig one = new GroupConfig(CredentialValidator.ACCEPT_ALL, 1, RatchetLimits.DEFAULT, true, Map.of(),
                Clock.systemUTC());
        Group bob3 = Group.load(one, saved);
        assertThat(((Received.Application) bob3.process(wire(late2))).data())
                .isEqualTo("late from epoch 2".getBytes());
        assertThatThrownBy(() -> bob3.process(wire(late1)))
                .isInstanceOf(dev.carapace.mls.WrongEpochException.class);
    }
}
