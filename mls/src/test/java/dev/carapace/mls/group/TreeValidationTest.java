package dev.carapace.mls.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.message.Capabilities;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.ParentNode;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.tree.RatchetTree;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Received-tree checks: unmerged leaves and distinct keys (RFC 9420 §7.1, §12.4.3.1), credential types (§7.3). */
class TreeValidationTest {
    private static final CipherSuite S = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    private static final GroupConfig CFG = GroupConfig.defaults(CredentialValidator.ACCEPT_ALL);
    private static final Capabilities BOTH = new Capabilities(List.of(1), List.of(S.id()), List.of(), List.of(),
            List.of(Credential.BASIC, Credential.X509));

    private static MlsMessage wire(MlsMessage m) {
        return GroupTest.wire(m);
    }

    private final KeyPackageBundle aliceKp = GroupTest.member("alice");

    /**
     * Eight leaves: the member at leaf 4 committed (setting parents 9, 11 and the root) before leaf 7 was added by
     * Alice, whose own path (1, 3, 7) does not touch node 11: so node 11 lists leaf 7 as unmerged and node 13,
     * between them, is blank.
     */
    private Group eightWithUnmerged() {
        Group alice = Group.create(CFG, "tv".getBytes(), aliceKp);
        KeyPackageBundle e = GroupTest.member("e");
        PendingCommit add = alice.add(List.of(GroupTest.member("b").keyPackage(), GroupTest.member("c").keyPackage(),
                GroupTest.member("d").keyPackage(), e.keyPackage(), GroupTest.member("f").keyPackage(),
                GroupTest.member("g").keyPackage()));
        alice.merge(add);
        Group eve = Group.join(CFG, wire(add.welcome()), e, null);
        assertThat(eve.myLeafIndex()).isEqualTo(4);
        PendingCommit u = eve.update();
        eve.merge(u);
        alice.process(wire(u.commit()));
        alice.merge(alice.add(List.of(GroupTest.member("h").keyPackage())));
        RatchetTree t = alice.ratchetTree();
        assertThat(t.parent(11).unmergedLeaves()).containsExactly(7L);
        assertThat(t.isBlank(13)).isTrue();
        assertThat(t.verifyUnmergedLeaves()).isTrue();
        return alice;
    }

    private static RatchetTree withUnmerged(RatchetTree t, int node, List<Long> unmerged) {
        ParentNode p = t.parent(node);
        t.setParent(node, new ParentNode(p.encryptionKey(), p.parentHash(), unmerged));
        return t;
    }

    @Test
    void unmergedLeavesConditions() {
        Group alice = eightWithUnmerged();
        // Not a descendant of node 9 (which covers leaves 4 and 5).
        assertThat(withUnmerged(alice.ratchetTree(), 9, List.of(7L)).verifyUnmergedLeaves()).isFalse();
        // Out of range, duplicated, unsorted; sorted is fine (node 13 between is blank).
        assertThat(withUnmerged(alice.ratchetTree(), 11, List.of(9L)).verifyUnmergedLeaves()).isFalse();
        assertThat(withUnmerged(alice.ratchetTree(), 11, List.of(7L, 7L)).verifyUnmergedLeaves()).isFalse();
        assertThat(withUnmerged(alice.ratchetTree(), 11, List.of(7L, 6L)).verifyUnmergedLeaves()).isFalse();
        assertThat(withUnmerged(alice.ratchetTree(), 11, List.of(6L, 7L)).verifyUnmergedLeaves()).isTrue();
        // A blank leaf cannot be unmerged.
        RatchetTree blankLeaf = alice.ratchetTree();
        blankLeaf.setLeaf(7, null);
        assertThat(blankLeaf.verifyUnmergedLeaves()).isFalse();
        // A non-blank node between leaf 7 and node 11 must list it too.
        RatchetTree between = alice.ratchetTree();
        between.setParent(13, new ParentNode(S.generateHpkeKeyPair()[1], new byte[0], List.of()));
        assertThat(between.verifyUnmergedLeaves()).isFalse();
        between.setParent(13, new ParentNode(S.generateHpkeKeyPair()[1], new byte[0], List.of(7L)));
        assertThat(between.verifyUnmergedLeaves()).isTrue();
    }

    @Test
    void repeatedEncryptionKeyDetected() {
        RatchetTree t = eightWithUnmerged().ratchetTree();
        assertThat(t.hasDistinctEncryptionKeys()).isTrue();
        t.setParent(13, new ParentNode(t.leaf(6).encryptionKey(), new byte[0], List.of(7L)));
        assertThat(t.hasDistinctEncryptionKeys()).isFalse();
    }

    /**
     * A GroupInfo for {@code tree} that is correctly signed by Alice and whose tree hash matches: only the tree
     * checks themselves can refuse it.
     */
    private MlsMessage signedGroupInfoFor(Group alice, RatchetTree tree) {
        GroupInfo gi = alice.groupInfo(false).groupInfo();
        GroupContext c = gi.groupContext();
        GroupContext forged = new GroupContext(c.cipherSuiteId(), c.groupId(), c.epoch(), tree.rootTreeHash(S),
                c.confirmedTranscriptHash(), c.extensions());
        List<Extension> exts = List.of(new Extension(Extension.RATCHET_TREE, tree.encode()),
                Extension.find(gi.extensions(), Extension.EXTERNAL_PUB));
        return MlsMessage.of(new GroupInfo(forged, exts, gi.confirmationTag(), 0, new byte[0])
                .sign(S, aliceKp.signaturePrivateKey()));
    }

    private void assertJoinRefused(Group alice, Consumer<RatchetTree> damage, String message) {
        RatchetTree t = alice.ratchetTree();
        damage.accept(t);
        MlsMessage gi = wire(signedGroupInfoFor(alice, t));
        assertThatThrownBy(() -> Group.joinExternal(CFG, gi, null, GroupTest.member("eve")))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining(message);
    }

    @Test
    void receivedTreeWithBadUnmergedLeavesOrRepeatedKeysIsRefused() {
        Group alice = eightWithUnmerged();
        // The undamaged tree through the same forged-GroupInfo path is accepted (the path itself is sound).
        ExternalJoin ok = Group.joinExternal(CFG, wire(signedGroupInfoFor(alice, alice.ratchetTree())), null,
                GroupTest.member("eve"));
        assertThat(ok.group().myLeafIndex()).isEqualTo(8);

        assertJoinRefused(alice, t -> withUnmerged(t, 9, List.of(7L)), "unmerged_leaves");
        assertJoinRefused(alice, t -> withUnmerged(t, 11, List.of()), "parent hashes"); // consistent, but unsigned
        assertJoinRefused(alice, t -> t.setParent(13, new ParentNode(t.leaf(6).encryptionKey(), new byte[0],
                List.of(7L))), "encryption key in two nodes");
    }

    @Test
    void aMemberWhoseLeafSignatureDoesNotCoverItIsRefused() {
        Group alice = eightWithUnmerged();
        // A malicious member blanks every parent node (so no parent hash covers any leaf) and makes leaf 7 claim
        // another identity under the same key: a forged member in an otherwise consistent tree (the tree hash and
        // the GroupInfo signature match, parent hashes have nothing to check). Only the per-leaf signature check
        // catches it; bcmls 1.84's Welcome path has none.
        RatchetTree t = alice.ratchetTree();
        for (int node = 1; node < 2 * t.leafCount() - 1; node += 2) {
            t.setParent(node, null);
        }
        dev.carapace.mls.message.LeafNode l = t.leaf(7);
        t.setLeaf(7, new dev.carapace.mls.message.LeafNode(l.encryptionKey(), l.signatureKey(),
                Credential.basic("the-ceo".getBytes(StandardCharsets.UTF_8)), l.capabilities(), l.source(),
                l.notBefore(), l.notAfter(), l.parentHash(), l.extensions(), l.signature()));
        MlsMessage gi = wire(signedGroupInfoFor(alice, t));
        assertThatThrownBy(() -> Group.joinExternal(CFG, gi, null, GroupTest.member("eve")))
                .isInstanceOf(dev.carapace.mls.InvalidSignatureException.class).hasMessageContaining("leaf 7");
    }

    private static KeyPackageBundle x509(String name) {
        return KeyPackageBundle.create(S, new Credential(Credential.X509, null,
                List.of(name.getBytes(StandardCharsets.UTF_8))), CipherSuite.randomBytes(32), Duration.ofDays(1),
                BOTH);
    }

    private static KeyPackageBundle basic(String name, Capabilities caps) {
        return KeyPackageBundle.create(S, Credential.basic(name.getBytes(StandardCharsets.UTF_8)),
                CipherSuite.randomBytes(32), Duration.ofDays(1), caps);
    }

    @Test
    void credentialTypeMustBeSupportedByEveryMember() {
        // Alice supports only basic credentials: an X.509 member cannot be added, by commit or by proposal.
        Group basicOnly = Group.create(CFG, "ct1".getBytes(), GroupTest.member("alice"));
        KeyPackageBundle xavier = x509("xavier");
        assertThatThrownBy(() -> basicOnly.add(List.of(xavier.keyPackage())))
                .isInstanceOf(ProtocolViolationException.class)
                .hasMessageContaining("leaf 0 does not support credential type 2");
        assertThatThrownBy(() -> basicOnly.proposeAdd(xavier.keyPackage()))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("credential type 2");
        assertThat(basicOnly.epoch()).isZero();
    }

    @Test
    void newLeafMustSupportEveryCredentialTypeInUse() {
        Group alice = Group.create(CFG, "ct2".getBytes(), basic("alice", BOTH));
        KeyPackageBundle xavier = x509("xavier");
        PendingCommit add = alice.add(List.of(xavier.keyPackage()));
        alice.merge(add);
        Group x = Group.join(CFG, wire(add.welcome()), xavier, null);
        assertThat(x.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());

        KeyPackageBundle bob = GroupTest.member("bob"); // lists basic only, while X.509 is in use
        assertThatThrownBy(() -> alice.add(List.of(bob.keyPackage())))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("credential type 2 in use");
        assertThatThrownBy(() -> x.proposeAdd(bob.keyPackage()))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("credential type 2 in use");
        assertThatThrownBy(() -> Group.joinExternal(CFG, wire(alice.groupInfo(true)), null, bob))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("credential type 2");

        // The static tree check a joiner runs: the same tree with Bob's leaf added is refused.
        RatchetTree withBob = alice.ratchetTree();
        withBob.addLeaf(bob.keyPackage().leafNode());
        assertThatThrownBy(() -> TreeValidation.checkCredentialTypes(withBob))
                .isInstanceOf(ProtocolViolationException.class).hasMessageContaining("leaf 2");
        TreeValidation.checkCredentialTypes(alice.ratchetTree());

        // A member listing both types joins fine.
        KeyPackageBundle carol = basic("carol", BOTH);
        PendingCommit addCarol = x.add(List.of(carol.keyPackage()));
        x.merge(addCarol);
        alice.process(wire(addCarol.commit()));
        assertThat(Group.join(CFG, wire(addCarol.welcome()), carol, null).epochAuthenticator())
                .isEqualTo(alice.epochAuthenticator());
    }
}
